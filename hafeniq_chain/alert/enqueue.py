"""Writing an alert and its outbox rows, in the caller's transaction.

Why here: whoever raises an alert (fusion, the withdrawal engine, a reorg retraction) must
store it in the same transaction as the decision behind it, and the outbox loop in
``alert.outbox`` delivers it later; one place owns both halves.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hafeniq_chain.alert.routing import ChannelRouter
from hafeniq_chain.store.database import Connection


async def enqueue_deliveries(conn: Connection, alert_id: int, channels: Sequence[str]) -> None:
    """One outbox row per channel; the idempotency key is stable across retries."""
    for channel in channels:
        await conn.execute(
            "INSERT INTO alert_deliveries (alert_id, channel, idempotency_key) "
            "VALUES ($1, $2, $3) ON CONFLICT (idempotency_key) DO NOTHING",
            alert_id, channel, f"hafeniq-alert-{alert_id}-{channel}")


async def store_alert(conn: Connection, payload: dict[str, Any], channels: Sequence[str],
                      title: str, decision_id: int | None = None) -> int:
    """Insert the alert row for ``payload`` and one delivery per channel; its id."""
    if isinstance(channels, ChannelRouter):
        channels = channels(payload)  # per-channel severity, rule and detector routes
    incident = payload["incident"]
    alert_id: int = await conn.fetchval(
        "INSERT INTO alerts (incident_id, decision_id, kind, severity, title, payload) "
        "VALUES ($1, $2, $3, $4, $5, $6) RETURNING id", incident["id"], decision_id,
        payload["kind"], incident["severity"], title[:200], payload)
    await enqueue_deliveries(conn, alert_id, channels)
    return alert_id
