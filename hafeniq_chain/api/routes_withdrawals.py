"""``POST /v1/withdrawals/score``: a synchronous, stored and audited risk decision.

The hot route of the API (hundreds of requests per second): its body is validated by
pydantic-core straight from the bytes and its answer encoded by orjson, skipping
FastAPI's generic body and response-model passes, which cost a third of the request's
CPU. The OpenAPI document still describes the body (``openapi_extra``), and invalid
bodies are reported exactly like any other route's (``parse_body``).
"""

from __future__ import annotations

import json
from typing import Any

import orjson
from fastapi import APIRouter, Request, Response

from hafeniq_chain.api.auth import rejected_key, require_scope
from hafeniq_chain.api.bounds import bound_errors, check_bounds
from hafeniq_chain.api.errors import parse_body
from hafeniq_chain.api.models import WithdrawalRequest
from hafeniq_chain.api.state import ApiState
from hafeniq_chain.offchain.decision_rows import SCORING_SCOPE, KeyRejected
from hafeniq_chain.offchain.types import ScoredWithdrawal

router = APIRouter(tags=["scoring"])
# NOTE: the key is recognised from memory; the group commit confirms it before storing.
_scoring_key = require_scope(SCORING_SCOPE, remembered=True)
_BODY = {"required": True, "content": {"application/json": {
    "schema": WithdrawalRequest.model_json_schema(ref_template="#/components/schemas/{model}")}}}
_ANSWER: dict[int | str, dict[str, Any]] = {200: {
    "description": "Score 0-1000, action, reasons with feature deltas, confidence band,"
                   " platform state, decision id",
    "content": {"application/json": {"schema": {"type": "object"}}},
    # NOTE: OpenAPI links let clients (and stateful schemathesis runs) follow an answer to
    # its incident and destination.
    "links": {
        "IncidentSummary": {
            "operationId": "incident_summary_v1_incidents__incident_id__summary_get",
            "parameters": {"incident_id": "$response.body#/incident_id"}},
        "Destination": {
            "operationId": "get_entity_v1_entities__address__get",
            "parameters": {"address": "$request.body#/destination"}}}}}
_CONTEXT_EXCLUDED = {"request_id", "account_id", "destination", "asset", "amount",
                     "occurred_at"}


@router.post("/v1/withdrawals/score", response_model=None, openapi_extra={"requestBody": _BODY},
             responses=_ANSWER)
async def score_withdrawal(request: Request) -> Response:
    """Score 0-1000, action, reasons with deltas, confidence band and platform state."""
    key = await _scoring_key(request)  # called, not a FastAPI dependency: same checks, less work
    body = parse_body(WithdrawalRequest, await request.body())
    state: ApiState = request.app.state.hafeniq
    check_bounds(bound_errors(state.settings, body.asset, body.amount, body.occurred_at))
    if state.tenants is not None and (
            answer := await state.tenants.route(request, key.tenant)) is not None:
        return answer  # another replica scores this tenant
    context = body.model_dump(mode="json", exclude_none=True, exclude=_CONTEXT_EXCLUDED)
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
    return Response(_encode(result.as_response()), media_type="application/json")


def _encode(answer: dict[str, Any]) -> bytes:
    """orjson, or the standard library for integers beyond 64 bits (a stored decision read
    back: jsonb keeps 5.7e29 as the integer 570000000000000000000000000000)."""
    try:
        return orjson.dumps(answer)
    except TypeError:
        return json.dumps(answer).encode()
