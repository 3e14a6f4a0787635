"""Opening and growing the incident a CRITICAL platform state belongs to."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import asyncpg

from hafeniq_chain.offchain.incident_alert import convergence_payload, raise_convergence_alert
from hafeniq_chain.offchain.platform import PlatformView

INCIDENT_GAP_S = 3600
KEY_PREFIX = "offchain-convergence:"  # + tenant: the incident's correlation key


async def record_incident(conn: asyncpg.Connection, tenant: str, view: PlatformView,
                          score: int, at: datetime, channels: Sequence[str] = (),
                          linked: int | None = None) -> int:
    """The open convergence incident of ``tenant`` whose events lie within an hour of
    ``at`` (the request's event time, not the server's: a day of events sent in one burst
    is not one incident), created if there is none; ``linked`` (the incident that flagged
    the destination) is preferred while it is open, however old.

    Entities grow to every account to freeze and every converged destination. Opening the
    incident raises an alert on ``channels``; a newly converged destination, or half as
    many accounts to freeze again as the last alert named, raises an update (a growing
    attack is heard about without one message per request).
    """
    key = KEY_PREFIX + tenant
    row = await conn.fetchrow(
        "SELECT id, entities, details FROM incidents WHERE correlation_key = $1"
        " AND status = 'open' AND (id = $4 OR ("
        " COALESCE((details->>'last_event_at')::timestamptz, updated_at)"
        "     > $3::timestamptz - make_interval(secs => $2)"
        " AND COALESCE((details->>'first_event_at')::timestamptz, opened_at)"
        "     < $3::timestamptz + make_interval(secs => $2)))"
        " ORDER BY id = $4 DESC, id DESC LIMIT 1 FOR UPDATE", key, float(INCIDENT_GAP_S), at,
        linked or 0)
    destinations = [c.destination for c in view.convergences]
    entities = sorted({*view.freeze_accounts, *destinations})
    details: dict[str, Any] = {"tenant": tenant,
                               "convergences": [c.as_dict() for c in view.convergences],
                               **_event_span(row["details"] if row else {}, at)}
    if channels:
        details["alerted_accounts"] = len(view.freeze_accounts)
    if row is None:
        incident_id: int = await conn.fetchval(
            "INSERT INTO incidents (correlation_key, risk_score, confidence_low,"
            " confidence_high, severity, action, reason_codes, entities, summary, details)"
            " VALUES ($1, $2, $2, 1000, 'critical', 'reject', $3, $4, $5, $6) RETURNING id",
            key, score, ["ADDRESS_CONVERGENCE"], entities,
            "Coordinated multi-account withdrawal attack", details)
        if channels:
            await raise_convergence_alert(conn, channels, convergence_payload(
                incident_id, key, "alert", tenant, score, view, entities))
        return incident_id
    merged = sorted({*row["entities"], *entities})
    alerted = int(row["details"].get("alerted_accounts", 0))
    if channels and (set(destinations) - set(row["entities"])
                     or 0 < 1.5 * alerted <= len(view.freeze_accounts)):
        await raise_convergence_alert(conn, channels, convergence_payload(
            int(row["id"]), key, "update", tenant, score, view, merged))
    else:
        details.pop("alerted_accounts", None)
    await conn.execute(
        "UPDATE incidents SET entities = $2, details = details || $3::jsonb,"
        " risk_score = GREATEST(risk_score, $4), updated_at = now() WHERE id = $1",
        row["id"], merged, details, score)
    return int(row["id"])


def _event_span(details: dict[str, Any], at: datetime) -> dict[str, str]:
    """The incident's first and last event times, widened to include ``at``."""
    first = [datetime.fromisoformat(details["first_event_at"])] if "first_event_at" in details \
        else []
    last = [datetime.fromisoformat(details["last_event_at"])] if "last_event_at" in details \
        else []
    return {"first_event_at": min([*first, at]).isoformat(),
            "last_event_at": max([*last, at]).isoformat()}
