"""Delivery channels. Each sends one alert payload and says whether it arrived.

A channel never raises for a delivery failure: it returns a SendResult, so the outbox
loop can schedule the retry (or honour the receiver's Retry-After) and count it.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from typing import Any, Protocol

import httpx
from rich.console import Console
from rich.panel import Panel

from hafeniq_chain.alert.signing import sign, standard_signature
from hafeniq_chain.alert.slack import slack_message
from hafeniq_chain.core.settings import AlertSettings


@dataclass(frozen=True)
class SendResult:
    """Outcome of one attempt; ``retry_after_s`` when the receiver asked us to wait."""

    ok: bool
    error: str = ""
    retry_after_s: float | None = None


class Channel(Protocol):
    name: str

    async def send(self, payload: dict[str, Any], idempotency_key: str) -> SendResult: ...


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


class WebhookChannel:
    """JSON POST signed with ``X-Hafeniq-Signature`` over ``timestamp.body``, and/or with
    Standard Webhooks headers (``signing``: hafeniq, standard or both)."""

    name = "webhook"

    def __init__(self, url: str, secret: str, timeout_s: float = 10.0,
                 signing: str = "hafeniq") -> None:
        self.url, self.secret, self.signing = url, secret, signing
        self.client = httpx.AsyncClient(timeout=timeout_s)

    async def send(self, payload: dict[str, Any], idempotency_key: str) -> SendResult:
        body = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
        timestamp = str(int(time.time()))
        headers = {"Content-Type": "application/json", "Idempotency-Key": idempotency_key}
        if self.signing in ("hafeniq", "both"):
            headers.update({"X-Hafeniq-Timestamp": timestamp,
                            "X-Hafeniq-Signature": sign(self.secret, timestamp, body)})
        if self.signing in ("standard", "both"):
            headers.update({"webhook-id": idempotency_key, "webhook-timestamp": timestamp,
                            "webhook-signature": standard_signature(
                                self.secret, idempotency_key, timestamp, body)})
        try:
            response = await self.client.post(self.url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            return SendResult(False, f"transport: {exc!r}"[:300])
        if 200 <= response.status_code < 300:
            return SendResult(True)
        return SendResult(False, f"HTTP {response.status_code}", _retry_after(response))


class SlackChannel:
    """Slack incoming webhook; at most one message per second per webhook (Slack's limit)."""

    name = "slack"

    def __init__(self, url: str, timeout_s: float = 10.0, min_interval_s: float = 1.0) -> None:
        self.url = url
        self.client = httpx.AsyncClient(timeout=timeout_s)
        self.min_interval_s = min_interval_s
        self._last = 0.0

    async def send(self, payload: dict[str, Any], idempotency_key: str) -> SendResult:
        wait = self._last + self.min_interval_s - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        self._last = time.monotonic()
        try:
            response = await self.client.post(self.url, json=slack_message(payload))
        except httpx.HTTPError as exc:
            return SendResult(False, f"transport: {exc!r}"[:300])
        if response.status_code == 200:
            return SendResult(True)
        return SendResult(False, f"HTTP {response.status_code}: {response.text[:100]}",
                          _retry_after(response))


class ConsoleChannel:
    """Renders alerts on a terminal as they would look in Slack (used by the demo)."""

    name = "console"

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console(stderr=True)

    async def send(self, payload: dict[str, Any], idempotency_key: str) -> SendResult:
        incident = payload["incident"]
        reasons = "\n".join(f"• {r['summary']}" for r in incident["explanation"][:3])
        self.console.print(Panel(
            f"[bold]{incident['summary']}[/bold]\nrisk {incident['risk_score']} "
            f"(band {incident['confidence'][0]}–{incident['confidence'][1]}), action "
            f"[bold]{incident['action']}[/bold]\n{', '.join(incident['reason_codes'])}\n"
            f"{reasons}", title=f"{incident['severity'].upper()} · {payload['kind']} · "
            f"incident {incident['id']}", border_style="red"))
        return SendResult(True)


def channels_from_settings(alerts: AlertSettings, *, console: bool = False
                           ) -> dict[str, Channel]:
    """The channels the config enables (webhook needs its URL and secret)."""
    channels: dict[str, Channel] = {}
    if alerts.webhook_url is not None and alerts.webhook_secret is not None:
        channels["webhook"] = WebhookChannel(alerts.webhook_url.get_secret_value(),
                                             alerts.webhook_secret.get_secret_value(),
                                             signing=alerts.webhook_signing)
    if alerts.slack_webhook_url is not None:
        channels["slack"] = SlackChannel(alerts.slack_webhook_url.get_secret_value())
    # NOTE: imported here because those channels import SendResult from this module.
    from hafeniq_chain.alert.providers import provider_channels

    channels.update(provider_channels(alerts))
    if console:
        channels["console"] = ConsoleChannel()
    return channels
