"""``POST /v1/forecast/retrain``: retrain amount forecasts on demand (seed 002)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from hafeniq_chain.api.auth import require_scope
from hafeniq_chain.api.keys import ApiKeyRecord
from hafeniq_chain.api.state import ApiState
from hafeniq_chain.api.tenancy import is_operator
from hafeniq_chain.offchain.forecast_schedule import retrain_now

router = APIRouter(tags=["forecast"])


@router.post("/v1/forecast/retrain")
async def retrain(request: Request,
                  key: ApiKeyRecord = Depends(require_scope("forecast:admin"))
                  ) -> dict[str, int]:
    """Retrain the forecasts of the key's tenant's accounts now (every tenant's for the
    operator, ``api.operator_tenant``); returns how many scopes are covered."""
    state: ApiState = request.app.state.hafeniq
    tenant = None if is_operator(key, state.settings.api) else key.tenant
    counts = await retrain_now(state.pool, state.settings.forecast, tenant)
    state.engine.forget_forecasts()
    return counts
