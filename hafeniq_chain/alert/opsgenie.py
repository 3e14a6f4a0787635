"""Opsgenie Alert API: create with ``alias`` = the incident, close by alias on retraction.

Opsgenie de-duplicates open alerts by alias, so an updated incident (or a retried send)
raises the count of the one open alert instead of paging again.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx

from hafeniq_chain.alert.channels import SendResult
from hafeniq_chain.alert.http import post_json
from hafeniq_chain.alert.text import alert_text, clip

PRIORITIES = {"critical": "P1", "high": "P2", "medium": "P3", "low": "P4", "info": "P5"}
MAX_DETAILS = 8000


def alias(payload: dict[str, Any]) -> str:
    return f"hafeniq-incident-{payload['incident']['id']}"


def opsgenie_alert(payload: dict[str, Any]) -> dict[str, Any]:
    """The create-alert body."""
    text = alert_text(payload)
    details: dict[str, str] = {"risk": clip(text.risk, 1000), "action": text.action,
                               "incident": str(text.incident_id)}
    if text.tx_hashes:
        details["tx"] = clip(", ".join(text.tx_hashes), 2000)
    if text.rules:
        details["rules"] = clip(", ".join(text.rules), 500)
    while sum(len(k) + len(v) for k, v in details.items()) > MAX_DETAILS:
        details.popitem()
    tags = [clip(t, 50) for t in ["hafeniq", text.severity,
                                  *payload["incident"].get("reason_codes", [])[:10]]]
    return {"message": clip(text.headline, 130), "alias": alias(payload),
            "description": clip(text.body(), 15000), "priority":
            PRIORITIES.get(text.severity, "P3"), "tags": tags, "details": details,
            "entity": clip(text.entities[0] if text.entities else "hafeniq-chain", 512),
            "source": "hafeniq-chain"}


class OpsgenieChannel:
    """Alerts through an Opsgenie API integration key (``GenieKey``)."""

    name = "opsgenie"

    def __init__(self, api_key: str, api_url: str, timeout_s: float = 10.0) -> None:
        self.api_url = api_url.rstrip("/")
        self.headers = {"Authorization": f"GenieKey {api_key}"}
        self.client = httpx.AsyncClient(timeout=timeout_s)

    async def send(self, payload: dict[str, Any], idempotency_key: str) -> SendResult:
        if payload.get("kind") == "retraction":
            url = (f"{self.api_url}/v2/alerts/{quote(alias(payload), safe='')}/close"
                   "?identifierType=alias")
            body = {"source": "hafeniq-chain", "note": "retracted: the blocks behind this "
                    "alert were removed by a chain reorganisation"}
            return await post_json(self.client, url, body, self.headers)
        return await post_json(self.client, f"{self.api_url}/v2/alerts",
                               opsgenie_alert(payload), self.headers)
