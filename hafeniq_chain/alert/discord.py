"""Discord incoming webhook with one embed, inside Discord's documented limits.

Limits honoured: title 256, description 4096, at most 25 fields (name 256, value 1024),
footer 2048, and 6000 characters over all of an embed's text; ``content`` 2000.
"""

from __future__ import annotations

from typing import Any

import httpx

from hafeniq_chain.alert.channels import SendResult
from hafeniq_chain.alert.http import post_json
from hafeniq_chain.alert.text import alert_text, clip

COLORS = {"critical": 0x8B0000, "high": 0xE01E1E, "medium": 0xF08C00, "low": 0xE8C800,
          "info": 0x3B82F6}
MAX_TITLE, MAX_DESCRIPTION, MAX_FIELDS = 256, 4096, 25
MAX_FIELD_NAME, MAX_FIELD_VALUE, MAX_FOOTER, MAX_TOTAL = 256, 1024, 2048, 6000


def discord_message(payload: dict[str, Any]) -> dict[str, Any]:
    """The webhook body for one alert payload."""
    text = alert_text(payload)
    title = clip(text.headline, MAX_TITLE)
    footer = clip(f"hafeniq-chain · incident {text.incident_id} · {text.kind}", MAX_FOOTER)
    budget = MAX_TOTAL - len(title) - len(footer)
    description = clip(text.risk, min(MAX_DESCRIPTION, budget))
    budget -= len(description)
    fields: list[dict[str, Any]] = []
    candidates = [(head, body) for head, body in text.reasons]
    if text.entities:
        candidates.append(("Entities", "\n".join(f"`{e}`" for e in text.entities[:10])))
    if text.tx_hashes:
        candidates.append(("Transactions", "\n".join(f"`{h}`" for h in text.tx_hashes[:10])))
    for name, value in candidates[:MAX_FIELDS]:
        name, value = clip(name, MAX_FIELD_NAME), clip(value or "-", MAX_FIELD_VALUE)
        if len(name) + len(value) > budget:
            break
        budget -= len(name) + len(value)
        fields.append({"name": name, "value": value, "inline": False})
    embed = {"title": title, "description": description, "color": COLORS.get(text.severity,
                                                                             0x808080),
             "fields": fields, "footer": {"text": footer}}
    return {"content": clip(text.headline, 2000), "embeds": [embed],
            "allowed_mentions": {"parse": []}}


class DiscordChannel:
    """Posts to a Discord webhook URL (``?wait=true``: a 200 means the message exists)."""

    name = "discord"

    def __init__(self, url: str, timeout_s: float = 10.0) -> None:
        self.url = url + ("&" if "?" in url else "?") + "wait=true"
        self.client = httpx.AsyncClient(timeout=timeout_s)

    async def send(self, payload: dict[str, Any], idempotency_key: str) -> SendResult:
        return await post_json(self.client, self.url, discord_message(payload),
                               redact=self.url)
