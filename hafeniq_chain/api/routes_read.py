"""Read endpoints: alerts, what the engine knows of an address, incident summaries."""

from __future__ import annotations

from typing import Any, cast

import asyncpg
from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request

from hafeniq_chain.api.auth import require_scope
from hafeniq_chain.api.keys import ApiKeyRecord
from hafeniq_chain.api.models import ADDRESS_PATTERN, MAX_ROW_ID
from hafeniq_chain.api.state import ApiState
from hafeniq_chain.api.tenancy import VISIBLE_ALERT, sees_operator_rows
from hafeniq_chain.offchain.enrichment import describe_address
from hafeniq_chain.offchain.incident_summary import summarise_incident

router = APIRouter(tags=["read"])


_ALERT_LINKS: dict[int | str, dict[str, Any]] = {200: {"description": "The alerts", "links": {
    "Feedback": {"operationId": "feedback_v1_alerts__alert_id__feedback_post",
                 "parameters": {"alert_id": "$response.body#/alerts/0/id"}},
    "IncidentSummary": {"operationId": "incident_summary_v1_incidents__incident_id__summary_get",
                        "parameters": {"incident_id": "$response.body#/alerts/0/incident_id"}}}}}


@router.get("/v1/alerts", responses=_ALERT_LINKS)
async def list_alerts(request: Request, limit: int = Query(50, ge=1, le=500),
                      before_id: int | None = Query(None, ge=1, le=MAX_ROW_ID),
                      key: ApiKeyRecord = Depends(require_scope("alerts:read"))
                      ) -> dict[str, Any]:
    """The tenant's newest alerts first (``api.tenancy``); page with ``before_id``."""
    state: ApiState = request.app.state.hafeniq
    rows = await state.pool.fetch(
        "SELECT id, incident_id, decision_id, kind, severity, title, payload, retracted,"
        f" created_at FROM alerts a WHERE ($3::bigint IS NULL OR id < $3) AND {VISIBLE_ALERT}"
        " ORDER BY id DESC LIMIT $4", key.tenant, sees_operator_rows(key, state.settings.api),
        before_id, limit)
    return {"alerts": [{**dict(r), "created_at": r["created_at"].isoformat()} for r in rows]}


@router.get("/v1/entities/{address}")
async def get_entity(request: Request,
                     address: str = Path(pattern=ADDRESS_PATTERN),
                     chain_id: int | None = Query(None, ge=1,
                                                  description="default: the first chain"),
                     key: ApiKeyRecord = Depends(require_scope("entities:read"))
                     ) -> dict[str, Any]:
    """On-chain graph facts plus this tenant's off-chain history for the address."""
    state: ApiState = request.app.state.hafeniq
    async with state.pool.acquire() as conn:
        return await describe_address(cast(asyncpg.Connection, conn), key.tenant,
                                      chain_id or state.settings.chain.chain_id,
                                      address.lower())


@router.get("/v1/incidents/{incident_id}/summary")
async def incident_summary(request: Request, incident_id: int = Path(ge=1, le=MAX_ROW_ID),
                           key: ApiKeyRecord = Depends(require_scope("incidents:read"))
                           ) -> dict[str, Any]:
    """The human-readable report of an incident, built from its recorded decisions."""
    state: ApiState = request.app.state.hafeniq
    async with state.pool.acquire() as conn:
        summary = await summarise_incident(cast(asyncpg.Connection, conn), incident_id, key.tenant)
    if summary is None:
        raise HTTPException(404, f"incident {incident_id} not found")
    return summary.as_dict()
