"""The FastAPI application: one factory used by the daemon, `serve` and tests."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg
from fastapi import APIRouter, FastAPI, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from hafeniq_chain import __version__
from hafeniq_chain.api import alerts
from hafeniq_chain.metrics import REGISTRY


def create_app(pool: asyncpg.Pool, extra_routers: Sequence[APIRouter] = ()) -> FastAPI:
    """The API bound to ``pool``; ``extra_routers`` let other stages add endpoints."""
    app = FastAPI(title="hafeniq-chain", version=__version__,
                  description="On-chain threat detection: alerts, feedback, scoring, ingest.")
    app.state.pool = pool
    app.include_router(alerts.router)
    for router in extra_routers:
        app.include_router(router)

    @app.get("/healthz", tags=["ops"])
    async def healthz() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok"}

    @app.get("/metrics", tags=["ops"])
    async def metrics() -> Response:
        """Prometheus metrics."""
        return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)

    return app
