"""``POST /v1/events``: store a batch of off-chain events, idempotent by event id."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends, Request, Response

from hafeniq_chain.api.auth import require_scope
from hafeniq_chain.api.bounds import bound_errors, check_bounds
from hafeniq_chain.api.keys import ApiKeyRecord
from hafeniq_chain.api.models import EventBatch, IngestResult, OffchainEvent
from hafeniq_chain.api.pseudonym import PSEUDONYM_FIELDS, Pseudonymiser
from hafeniq_chain.api.state import ApiState
from hafeniq_chain.log import get_logger

log = get_logger(__name__)
router = APIRouter(tags=["ingest"])

_INSERT = """
INSERT INTO offchain_events (tenant, event_id, kind, account_id, occurred_at, payload)
SELECT $1, e.event_id, e.kind, e.account_id, e.occurred_at, e.payload::jsonb
FROM unnest($2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::text[])
     AS e(event_id, kind, account_id, occurred_at, payload)
ON CONFLICT (tenant, event_id) DO NOTHING
RETURNING event_id
"""


def stored_payload(event: OffchainEvent, pseudonymiser: Pseudonymiser) -> dict[str, Any]:
    """The event as stored: identifiers pseudonymised, amounts as exact strings."""
    data = event.model_dump(mode="json", exclude_none=True,
                            exclude={"event_id", "kind", "occurred_at"})
    for name in PSEUDONYM_FIELDS:
        if name in data:
            data[name] = pseudonymiser.apply(str(data[name]))
    return data


@router.post("/v1/events", response_model=IngestResult)
async def ingest_events(batch: EventBatch, request: Request,
                        key: ApiKeyRecord = Depends(require_scope("events:write"))
                        ) -> IngestResult | Response:
    """Store events; an event id already stored for this tenant is counted, not rewritten."""
    state: ApiState = request.app.state.hafeniq
    check_bounds([err for i, e in enumerate(batch.events) for err in bound_errors(
        state.settings, e.asset, e.amount, e.occurred_at, ("events", i))])
    if state.tenants is not None and (
            answer := await state.tenants.route(request, key.tenant)) is not None:
        return answer  # the replica scoring this tenant keeps its memory current
    payloads = [stored_payload(e, state.pseudonymiser) for e in batch.events]
    rows = await state.pool.fetch(
        _INSERT, key.tenant, [e.event_id for e in batch.events], [e.kind for e in batch.events],
        [p.get("account_id") for p in payloads], [e.occurred_at for e in batch.events],
        [json.dumps(p) for p in payloads])
    # NOTE: the scoring engine keeps histories in memory; these accounts are read again.
    state.engine.ingested(key.tenant, [(e.kind, p["account_id"]) for p, e in zip(
        payloads, batch.events, strict=True) if "account_id" in p],
        [p["api_key_fingerprint"] for p in payloads if "api_key_fingerprint" in p],
        [(p["account_id"], e.destination, e.occurred_at) for p, e in zip(
            payloads, batch.events, strict=True)
         if e.kind == "withdrawal_request" and e.destination and "account_id" in p])
    accepted = len(rows)
    duplicates = len(batch.events) - accepted
    log.info("api.events_ingested", tenant=key.tenant, accepted=accepted, duplicates=duplicates)
    return IngestResult(accepted=accepted, duplicates=duplicates)
