"""Telegram Bot API ``sendMessage`` in HTML parse mode (escaped), at most 4096 characters."""

from __future__ import annotations

import html
from typing import Any

import httpx

from hafeniq_chain.alert.channels import SendResult
from hafeniq_chain.alert.http import post_json
from hafeniq_chain.alert.text import alert_text

MAX_TEXT = 4096


def telegram_text(payload: dict[str, Any]) -> str:
    """HTML (only <b>, <code>, <i>; text escaped) that fits one message."""
    text = alert_text(payload)
    parts = [f"<b>{html.escape(text.headline)}</b>", html.escape(text.risk)]
    for head, body in text.reasons:
        parts.append(f"• <b>{html.escape(head)}</b>\n{html.escape(body)}")
    if text.entities:
        parts.append("Entities: " + ", ".join(f"<code>{html.escape(e)}</code>"
                                              for e in text.entities[:10]))
    if text.tx_hashes:
        parts.append("Transactions:\n" + "\n".join(f"<code>{html.escape(h)}</code>"
                                                    for h in text.tx_hashes[:10]))
    parts.append(f"<i>incident {text.incident_id} · {html.escape(text.kind)}</i>")
    out = ""
    for part in parts:  # whole parts only: a cut tag would make Telegram refuse the message
        if len(out) + len(part) + 2 > MAX_TEXT:
            break
        out += ("\n\n" if out else "") + part
    return out


class TelegramChannel:
    """One chat (user, group or channel id) through one bot."""

    name = "telegram"

    def __init__(self, token: str, chat_id: str, api_url: str = "https://api.telegram.org",
                 timeout_s: float = 10.0) -> None:
        self.token, self.chat_id = token, chat_id
        self.url = f"{api_url.rstrip('/')}/bot{token}/sendMessage"
        self.client = httpx.AsyncClient(timeout=timeout_s)

    async def send(self, payload: dict[str, Any], idempotency_key: str) -> SendResult:
        body = {"chat_id": self.chat_id, "text": telegram_text(payload), "parse_mode": "HTML",
                "link_preview_options": {"is_disabled": True}}
        return await post_json(self.client, self.url, body, redact=self.token)
