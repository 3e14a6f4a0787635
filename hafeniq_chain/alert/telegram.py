"""Telegram Bot API ``sendMessage`` in HTML parse mode (escaped), at most 4096 characters."""

from __future__ import annotations

import html
from typing import Any

import httpx

from hafeniq_chain.alert.channels import SendResult
from hafeniq_chain.alert.http import post_json
from hafeniq_chain.alert.text import alert_text, clip

MAX_TEXT = 4096


def telegram_text(payload: dict[str, Any]) -> str:
    """HTML (only <b>, <code>, <i>; text escaped) whose visible text fits one message.

    Telegram counts the limit after entities are parsed, so pieces are clipped as plain
    text and added whole: a cut tag or a cut ``&amp;`` would make Telegram refuse it.
    """
    text = alert_text(payload)
    esc = html.escape
    pieces: list[tuple[str, int]] = []  # (html, visible length)

    def add(raw: str, wrap: str = "", limit: int = 600) -> None:
        raw = clip(raw, limit)
        pieces.append((f"<{wrap}>{esc(raw)}</{wrap}>" if wrap else esc(raw), len(raw)))

    add(text.headline, "b", 500)
    add(text.risk)
    for head, body in text.reasons:
        add("• " + head, "b", 200)
        add(body)
    if text.entities:
        add("Entities: " + ", ".join(text.entities[:10]), "code", 500)
    if text.tx_hashes:
        add("Transactions: " + " ".join(text.tx_hashes[:10]), "code", 700)
    add(f"incident {text.incident_id} · {text.kind}", "i")
    out, visible = [], 0
    for markup, length in pieces:
        if visible + length + 2 > MAX_TEXT:
            break
        out.append(markup)
        visible += length + 2
    return "\n\n".join(out)


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
