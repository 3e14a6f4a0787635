"""Follow-ups for retracted alerts: when a reorg removes the blocks an alert was about,
every channel that got the alert gets a retraction, once."""

from __future__ import annotations

from collections.abc import Sequence

from hafeniq_chain.alert.enqueue import enqueue_deliveries
from hafeniq_chain.log import get_logger
from hafeniq_chain.store.database import Connection

log = get_logger(__name__)

_PENDING = """
SELECT a.id, a.incident_id, a.severity, a.title, a.payload FROM alerts a
WHERE a.retracted AND a.kind IN ('alert', 'update') AND NOT EXISTS (
    SELECT 1 FROM alerts r WHERE r.kind = 'retraction'
      AND (r.payload ->> 'retracts')::bigint = a.id)
ORDER BY a.id FOR UPDATE OF a SKIP LOCKED"""


async def enqueue_retractions(conn: Connection, channels: Sequence[str]) -> int:
    """Create one retraction alert per retracted alert not yet followed up."""
    rows = await conn.fetch(_PENDING)
    for row in rows:
        payload = dict(row["payload"])
        payload.update(kind="retraction", retracts=row["id"])
        payload["incident"] = dict(payload["incident"], action="allow",
                                   summary="RETRACTED (chain reorg): " +
                                   payload["incident"].get("summary", ""))
        alert_id = await conn.fetchval(
            "INSERT INTO alerts (incident_id, kind, severity, title, payload) VALUES "
            "($1, 'retraction', $2, $3, $4) RETURNING id", row["incident_id"],
            row["severity"], f"retracted: {row['title']}"[:200], payload)
        # NOTE: only the channels that were meant to get the alert get its retraction.
        got = {r["channel"] for r in await conn.fetch(
            "SELECT channel FROM alert_deliveries WHERE alert_id = $1", row["id"])}
        await enqueue_deliveries(conn, alert_id, [c for c in channels if c in got])
        log.warning("alert.retracted", alert=row["id"], follow_up=alert_id)
    return len(rows)
