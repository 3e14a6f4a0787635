"""Alerts for humans and tools: list them, and tell the engine whether they were right."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import asyncpg
from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import BaseModel, ConfigDict, Field

from hafeniq_chain.api.deps import get_pool, require
from hafeniq_chain.api.keys import ApiPrincipal
from hafeniq_chain.fuse.calibration import refresh_calibration

router = APIRouter(prefix="/v1/alerts", tags=["alerts"])


class Verdict(StrEnum):
    TRUE_POSITIVE = "true_positive"
    FALSE_POSITIVE = "false_positive"
    BENIGN_EXPECTED = "benign_expected"


class FeedbackIn(BaseModel):
    """An analyst's verdict on one alert."""

    model_config = ConfigDict(extra="forbid")

    verdict: Verdict
    note: str = Field(default="", max_length=2000)


@router.get("")
async def list_alerts(limit: int = Query(50, ge=1, le=500),
                      pool: asyncpg.Pool = Depends(get_pool),
                      _: ApiPrincipal = Depends(require("alerts:read"))) -> list[dict[str, Any]]:
    """Most recent alerts first, with their incident's risk and delivery state."""
    rows = await pool.fetch(
        "SELECT a.id, a.kind, a.severity, a.title, a.retracted, a.created_at, a.payload, "
        "array(SELECT d.channel || ':' || d.status FROM alert_deliveries d "
        "WHERE d.alert_id = a.id ORDER BY d.channel) AS deliveries "
        "FROM alerts a ORDER BY a.id DESC LIMIT $1", limit)
    return [dict(r) for r in rows]


@router.post("/{alert_id}/feedback", status_code=201)
async def feedback(alert_id: int, body: FeedbackIn, pool: asyncpg.Pool = Depends(get_pool),
                   _: ApiPrincipal = Depends(require("alerts:feedback"))) -> dict[str, Any]:
    """Record the verdict; detector calibration (fusion weights) is updated at once."""
    if not await pool.fetchval("SELECT EXISTS (SELECT 1 FROM alerts WHERE id = $1)", alert_id):
        raise HTTPException(404, f"alert {alert_id} does not exist")
    feedback_id = await pool.fetchval(
        "INSERT INTO alert_feedback (alert_id, verdict, note) VALUES ($1, $2, $3) RETURNING id",
        alert_id, body.verdict.value, body.note)
    calibration = await refresh_calibration(pool)
    return {"id": feedback_id, "alert_id": alert_id, "verdict": body.verdict.value,
            "calibration": {k: v.as_dict() for k, v in calibration.items()}}
