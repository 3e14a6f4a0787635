"""Analyst feedback on alerts: was it right? Feeds each detector's calibration."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Path, Request
from pydantic import BaseModel, ConfigDict, Field

from hafeniq_chain.api.auth import require_scope
from hafeniq_chain.api.keys import ApiKeyRecord
from hafeniq_chain.api.models import MAX_ROW_ID
from hafeniq_chain.api.tenancy import alert_visible, sees_operator_rows
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
async def feedback(request: Request, body: FeedbackIn,
                   alert_id: int = Path(ge=1, le=MAX_ROW_ID),
                   key: ApiKeyRecord = Depends(require_scope("alerts:feedback"))
                   ) -> dict[str, Any]:
    """Record the verdict on one of the tenant's alerts (another tenant's is a 404);
    detector calibration (fusion weights) is updated at once and shown to the operator."""
    state = request.app.state.hafeniq
    pool = state.pool
    if not await alert_visible(pool, key, state.settings.api, alert_id):
        raise HTTPException(404, f"alert {alert_id} does not exist")
    feedback_id = await pool.fetchval(
        "INSERT INTO alert_feedback (alert_id, verdict, note, tenant) VALUES ($1, $2, $3, $4)"
        " RETURNING id", alert_id, body.verdict.value, body.note, key.tenant)
    calibration = await refresh_calibration(pool)
    shown = calibration if sees_operator_rows(key, state.settings.api) else {}
    return {"id": feedback_id, "alert_id": alert_id, "verdict": body.verdict.value,
            "calibration": {k: v.as_dict() for k, v in shown.items()}}
