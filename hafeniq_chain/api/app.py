"""The FastAPI app factory: one function, extra routers plug in from other packages."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg
from fastapi import APIRouter, FastAPI

from hafeniq_chain.alert.channels import channels_from_settings
from hafeniq_chain.alert.routing import ChannelRouter
from hafeniq_chain.api import (
    alerts,
    ops,
    routes_events,
    routes_forecast,
    routes_read,
    routes_withdrawals,
)
from hafeniq_chain.api.body_limit import BodySizeLimit
from hafeniq_chain.api.errors import install_error_handlers
from hafeniq_chain.api.known_keys import KnownKeys
from hafeniq_chain.api.ops import Readiness
from hafeniq_chain.api.pseudonym import Pseudonymiser
from hafeniq_chain.api.state import ApiState
from hafeniq_chain.config import Settings
from hafeniq_chain.offchain.engine import WithdrawalRiskEngine

CORE_ROUTERS = (ops.router, routes_events.router, routes_withdrawals.router,
                routes_read.router, routes_forecast.router, alerts.router)


def create_app(pool: asyncpg.Pool, settings: Settings,
               extra_routers: Sequence[APIRouter] = (),
               readiness: Readiness | None = None,
               alert_channels: Sequence[str] | None = None) -> FastAPI:
    """Build the API on an open pool; ``extra_routers`` (e.g. alert feedback) are included.

    Extra routers reach the pool and settings through ``request.app.state.hafeniq`` and
    can protect themselves with ``hafeniq_chain.api.auth.require_scope``.
    ``alert_channels`` (default: those the config enables) announce off-chain incidents;
    an outbox (the daemon's, or ``serve``'s) delivers them.
    """
    if alert_channels is None:
        alert_channels = ChannelRouter(list(channels_from_settings(settings.alerts)),
                                       settings.alerts.routes)
    app = FastAPI(title="hafeniq-chain", version="0.1.0",
                  description="Off-chain ingest, withdrawal risk scoring, alerts.")
    pseudonymiser = Pseudonymiser.from_settings(settings.privacy)
    # NOTE: forecast modes are configured by raw account id; the engine sees pseudonyms.
    modes: dict[str, str] = {
        key.lower() if key.startswith("0x") else (pseudonymiser.apply(key) or key): mode
        for key, mode in settings.forecast.modes.items()}
    app.state.hafeniq = ApiState(
        pool=pool, settings=settings, pseudonymiser=pseudonymiser,
        engine=WithdrawalRiskEngine(pool, settings.withdrawals, settings.chain.chain_id,
                                    settings.forecast, modes, alert_channels),
        known_keys=KnownKeys(pool))
    app.state.readiness = readiness or Readiness(pool)
    install_error_handlers(app)
    for router in (*CORE_ROUTERS, *extra_routers):
        app.include_router(router)

    app.add_middleware(BodySizeLimit, max_bytes=settings.api.max_body_bytes)
    return app
