"""Rows the engine writes: the request as an event, the decision with everything shown."""

from __future__ import annotations

from typing import Any

import asyncpg

from hafeniq_chain.detect.finding import FeatureDelta
from hafeniq_chain.detect.reasons import ReasonCode
from hafeniq_chain.offchain.types import (
    Action,
    Contribution,
    PlatformState,
    ScoredWithdrawal,
    ScoreResult,
)


async def store_request(conn: asyncpg.Connection, req: ScoredWithdrawal) -> bool:
    """Store the request as a ``withdrawal_request`` event; False when the id exists."""
    payload = {**req.context, "destination": req.destination, "asset": req.asset,
               "amount": str(req.amount), "account_id": req.account_id}
    inserted = await conn.fetchval(
        "INSERT INTO offchain_events (tenant, event_id, kind, account_id, occurred_at, payload)"
        " VALUES ($1, $2, 'withdrawal_request', $3, $4, $5::jsonb || jsonb_build_object("
        "  'new_destination', NOT EXISTS (SELECT 1 FROM offchain_events p WHERE p.tenant = $1"
        "  AND p.kind = 'withdrawal_request' AND p.account_id = $3"
        "  AND p.payload->>'destination' = $6 AND p.occurred_at < $4)))"
        " ON CONFLICT (tenant, event_id) DO NOTHING RETURNING 1",
        req.tenant, req.request_id, req.account_id, req.occurred_at, payload, req.destination)
    return inserted is not None


async def store_decision(conn: asyncpg.Connection, req: ScoredWithdrawal,
                         result: ScoreResult) -> int:
    """Insert the decision row; ``details`` keeps what the incident summary needs."""
    details: dict[str, Any] = {
        **result.as_response(), "account_id": req.account_id, "destination": req.destination,
        "asset": req.asset, "amount": str(req.amount),
        "occurred_at": req.occurred_at.isoformat(),
        "api_key_fingerprint": req.context.get("api_key_fingerprint"),
    }
    if result.incident_id is None:
        details.pop("incident_id")
    decision_id: int = await conn.fetchval(
        "INSERT INTO decisions (subject, tenant, risk_score, action, reason_codes, details)"
        " VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        f"withdrawal:{req.request_id}", req.tenant, result.score, result.action.value,
        sorted({str(c.code) for c in result.contributions}), details)
    return decision_id


async def load_decision(conn: asyncpg.Connection, tenant: str, request_id: str
                        ) -> ScoreResult | None:
    """The stored decision of a request already scored (idempotent retries)."""
    row = await conn.fetchrow(
        "SELECT id, risk_score, action, details FROM decisions WHERE subject = $1"
        " AND tenant = $2 ORDER BY id LIMIT 1", f"withdrawal:{request_id}", tenant)
    if row is None:
        return None
    d = row["details"]
    parts = [Contribution(ReasonCode(r["code"]), r["points"], FeatureDelta(
        r["feature"], r["baseline"], r["observed"], r["description"])) for r in d["reasons"]]
    return ScoreResult(
        request_id, row["risk_score"], Action(row["action"]), d["confidence"]["low"],
        d["confidence"]["high"], parts, PlatformState(d["platform_state"]),
        d["platform_transition"], d["freeze_accounts"], d.get("incident_id"),
        d["screening_log"], row["id"], duplicate=True, forecast=d.get("forecast"))
