"""One JSON POST with the outcome as a ``SendResult`` (never an exception), for the
HTTP channels: transport errors and non-2xx answers are failures the outbox retries,
``Retry-After`` (header, or Telegram/Discord's JSON ``retry_after``) is honoured."""

from __future__ import annotations

from typing import Any

import httpx

from hafeniq_chain.alert.channels import SendResult


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if value is None and response.status_code == 429:
        try:
            body = response.json()
        except ValueError:
            return None
        if isinstance(body, dict):
            value = body.get("retry_after") or (body.get("parameters") or {}).get(
                "retry_after")
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


async def post_json(client: httpx.AsyncClient, url: str, body: dict[str, Any],
                    headers: dict[str, str] | None = None, redact: str = "") -> SendResult:
    """POST ``body``; ok on 2xx. ``redact`` (a token inside the URL) never reaches a log."""
    try:
        response = await client.post(url, json=body, headers=headers or {})
    except httpx.HTTPError as exc:
        message = f"transport: {exc!r}"
        return SendResult(False, (message.replace(redact, "***") if redact else message)[:300])
    if 200 <= response.status_code < 300:
        return SendResult(True)
    return SendResult(False, f"HTTP {response.status_code}: {response.text[:200]}",
                      _retry_after(response))
