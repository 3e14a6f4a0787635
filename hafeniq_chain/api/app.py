"""The FastAPI application: one factory used by the daemon, `serve` and tests."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg
from fastapi import APIRouter, FastAPI

from hafeniq_chain import __version__
from hafeniq_chain.api import alerts, ops
from hafeniq_chain.api.ops import Readiness


def create_app(pool: asyncpg.Pool, extra_routers: Sequence[APIRouter] = (),
               readiness: Readiness | None = None) -> FastAPI:
    """The API bound to ``pool``; ``extra_routers`` let other stages add endpoints."""
    app = FastAPI(title="hafeniq-chain", version=__version__,
                  description="On-chain threat detection: alerts, feedback, scoring, ingest.")
    app.state.pool = pool
    app.state.readiness = readiness or Readiness(pool)
    app.include_router(ops.router)
    app.include_router(alerts.router)
    for router in extra_routers:
        app.include_router(router)
    return app
