"""Analyst feedback on alerts: was it right? Feeds each detector's calibration."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, ConfigDict, Field

from hafeniq_chain.api.auth import require_scope
from hafeniq_chain.api.keys import ApiKeyRecord
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


@router.post("/{alert_id}/feedback", status_code=201)
async def feedback(request: Request, alert_id: int, body: FeedbackIn,
                   _: ApiKeyRecord = Depends(require_scope("alerts:feedback"))
                   ) -> dict[str, Any]:
    """Record the verdict; detector calibration (fusion weights) is updated at once."""
    pool = request.app.state.hafeniq.pool
    if not await pool.fetchval("SELECT EXISTS (SELECT 1 FROM alerts WHERE id = $1)", alert_id):
        raise HTTPException(404, f"alert {alert_id} does not exist")
    feedback_id = await pool.fetchval(
        "INSERT INTO alert_feedback (alert_id, verdict, note) VALUES ($1, $2, $3) RETURNING id",
        alert_id, body.verdict.value, body.note)
    calibration = await refresh_calibration(pool)
    return {"id": feedback_id, "alert_id": alert_id, "verdict": body.verdict.value,
            "calibration": {k: v.as_dict() for k, v in calibration.items()}}
