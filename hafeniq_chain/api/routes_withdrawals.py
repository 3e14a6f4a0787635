"""``POST /v1/withdrawals/score``: a synchronous, stored and audited risk decision."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from hafeniq_chain.api.auth import rejected_key, require_scope
from hafeniq_chain.api.keys import ApiKeyRecord
from hafeniq_chain.api.models import WithdrawalRequest
from hafeniq_chain.api.state import ApiState
from hafeniq_chain.offchain.decision_rows import SCORING_SCOPE, KeyRejected
from hafeniq_chain.offchain.types import ScoredWithdrawal

router = APIRouter(tags=["scoring"])
# NOTE: the key is recognised from memory; the group commit confirms it before storing.
_scoring_key = require_scope(SCORING_SCOPE, remembered=True)


@router.post("/v1/withdrawals/score")
async def score_withdrawal(body: WithdrawalRequest, request: Request,
                           key: ApiKeyRecord = Depends(_scoring_key)
                           ) -> dict[str, Any]:
    """Score 0-1000, action, reasons with deltas, confidence band and platform state."""
    state: ApiState = request.app.state.hafeniq
    context = body.model_dump(mode="json", exclude_none=True, exclude={
        "request_id", "account_id", "destination", "asset", "amount", "occurred_at"})
    for name in ("ip", "api_key_fingerprint", "session_id"):
        if name in context:
            context[name] = state.pseudonymiser.apply(str(context[name]))
    withdrawal = ScoredWithdrawal(
        tenant=key.tenant, request_id=body.request_id,
        account_id=state.pseudonymiser.apply(body.account_id) or body.account_id,
        destination=body.destination, asset=body.asset, amount=body.amount,
        occurred_at=body.occurred_at, context=context, key_id=key.key_id)
    try:
        result = await state.engine.score(withdrawal)
    except KeyRejected:
        state.known_keys.forget(key.key_id)
        raise rejected_key() from None
    return result.as_response()
