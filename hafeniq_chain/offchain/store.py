"""Rows the engine writes (the request as an event, the decision with everything shown),
and reading a stored decision back."""

from __future__ import annotations

from typing import Any

import asyncpg

from hafeniq_chain.core.actions import Action
from hafeniq_chain.core.finding import FeatureDelta
from hafeniq_chain.core.reasons import ReasonCode
from hafeniq_chain.offchain.types import (
    Contribution,
    PlatformState,
    ScoredWithdrawal,
    ScoreResult,
)


def request_payload(req: ScoredWithdrawal, new_destination: bool) -> dict[str, Any]:
    """The request as stored in ``offchain_events`` (it becomes the account's history)."""
    return {**req.context, "destination": req.destination, "asset": req.asset,
            "amount": str(req.amount), "account_id": req.account_id,
            "new_destination": new_destination}


def decision_details(req: ScoredWithdrawal, result: ScoreResult) -> dict[str, Any]:
    """The decision's ``details``: the response plus what the incident summary needs."""
    details: dict[str, Any] = {
        **result.as_response(), "account_id": req.account_id, "destination": req.destination,
        "asset": req.asset, "amount": str(req.amount),
        "occurred_at": req.occurred_at.isoformat(),
        "api_key_fingerprint": req.context.get("api_key_fingerprint"),
    }
    if result.incident_id is None:
        details.pop("incident_id")
    return details


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
