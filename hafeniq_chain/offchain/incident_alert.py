"""The alert a coordinated-withdrawal incident raises on the same channels as on-chain ones.

Why: blocking requests protects funds, but the security team has to learn at once that
accounts are being emptied in concert (and which ones to freeze). The payload is the one
``hafeniq.alert/v1`` shape (``alert.payload``) so Slack, webhook and console render it
alike; it carries no transaction hashes, and ``offchain`` says what to freeze.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import asyncpg

from hafeniq_chain.alert.enqueue import store_alert
from hafeniq_chain.alert.payload import AlertKind, IncidentView, alert_payload
from hafeniq_chain.core.actions import Action
from hafeniq_chain.offchain.platform import PlatformView

REASONS = ["ADDRESS_CONVERGENCE", "PLATFORM_CRITICAL"]


def convergence_payload(incident_id: int, key: str, kind: AlertKind, tenant: str, score: int,
                        view: PlatformView, entities: list[str]) -> dict[str, Any]:
    destinations = sorted({c.destination for c in view.convergences})
    summary = (f"Coordinated withdrawals: {len(view.freeze_accounts)} accounts converging "
               f"on {len(destinations)} fresh address(es); freeze recommended")
    deltas = [{"feature": "accounts_per_fresh_destination", "baseline": 1.0,
               "observed": float(len(c.accounts)),
               "description": f"{len(c.accounts)} accounts sent to fresh {c.destination} "
                              f"within {c.interval_s:.0f} s"} for c in view.convergences]
    explanation = [{"detector": "withdrawal_risk", "kind": "address_convergence",
                    "log_odds": 0.0, "weight": 1.0, "score": score / 1000,
                    "reason_codes": REASONS, "deltas": deltas, "summary": summary}]
    incident = IncidentView(incident_id, key, score, (score, 1000), "critical", Action.REJECT,
                            REASONS, entities, summary, explanation)
    return alert_payload(kind, incident, offchain={
        "tenant": tenant, "freeze_accounts": sorted(view.freeze_accounts),
        "destinations": destinations})


async def raise_convergence_alert(conn: asyncpg.Connection, channels: Sequence[str],
                                  payload: dict[str, Any]) -> int:
    """Store the alert and its outbox rows in the caller's transaction."""
    return await store_alert(conn, payload, channels, payload["incident"]["summary"])
