"""PagerDuty Events API v2: ``trigger`` per alert, ``resolve`` when the alert is retracted.

``dedup_key`` is the incident (``hafeniq-incident-<id>``), so an updated incident updates
the same PagerDuty incident and a retraction resolves it; a retried send is dropped by
PagerDuty as the same event.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx

from hafeniq_chain.alert.channels import SendResult
from hafeniq_chain.alert.http import post_json
from hafeniq_chain.alert.text import alert_text, clip

SEVERITIES = {"critical": "critical", "high": "error", "medium": "warning", "low": "info",
              "info": "info"}


def dedup_key(payload: dict[str, Any]) -> str:
    return f"hafeniq-incident-{payload['incident']['id']}"


def pagerduty_event(payload: dict[str, Any], routing_key: str) -> dict[str, Any]:
    """The Events API v2 body: trigger, or resolve for a retraction."""
    if payload.get("kind") == "retraction":
        return {"routing_key": routing_key, "event_action": "resolve",
                "dedup_key": dedup_key(payload)}
    text = alert_text(payload)
    incident = payload["incident"]
    return {
        "routing_key": routing_key, "event_action": "trigger", "dedup_key": dedup_key(payload),
        "client": "hafeniq-chain",
        "payload": {
            "summary": clip(text.headline, 1024),
            "source": clip(text.entities[0] if text.entities else "hafeniq-chain", 255),
            "severity": SEVERITIES.get(text.severity, "info"),
            "timestamp": datetime.now(UTC).isoformat(),
            "component": clip(", ".join(text.rules) or "hafeniq-chain", 255),
            "group": "hafeniq-chain",
            "class": clip(",".join(incident.get("reason_codes", [])) or "alert", 255),
            "custom_details": {"risk": text.risk, "action": text.action,
                               "reasons": [f"{h}: {b}" for h, b in text.reasons],
                               "entities": text.entities, "tx_hashes": text.tx_hashes,
                               "incident_id": text.incident_id, "kind": text.kind},
        },
    }


class PagerDutyChannel:
    """One PagerDuty service integration (its routing key)."""

    name = "pagerduty"

    def __init__(self, routing_key: str, events_url: str, timeout_s: float = 10.0) -> None:
        self.routing_key, self.url = routing_key, events_url
        self.client = httpx.AsyncClient(timeout=timeout_s)

    async def send(self, payload: dict[str, Any], idempotency_key: str) -> SendResult:
        return await post_json(self.client, self.url,
                               pagerduty_event(payload, self.routing_key))
