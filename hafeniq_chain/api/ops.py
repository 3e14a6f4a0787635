"""Operational endpoints: liveness, readiness (database, node, head lag) and metrics."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import asyncpg
from fastapi import APIRouter, Request, Response
from fastapi.responses import PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from hafeniq_chain.chain.progress import ProgressTracker
from hafeniq_chain.chain.rpc import RpcClient
from hafeniq_chain.metrics import HEAD_LAG_BLOCKS, REGISTRY

router = APIRouter(tags=["ops"])


@dataclass
class Readiness:
    """What `/readyz` checks; ``rpc`` is None when the API runs without a node, ``progress``
    when it runs without a follower (``chain/progress.py`` says what "progress" means)."""

    pool: asyncpg.Pool
    rpc: RpcClient | None = None
    max_head_lag: int = 20
    progress: ProgressTracker | None = None
    node: Callable[[], dict[str, Any]] | None = None  # what the node supports (capabilities)
    roles: Callable[[], dict[str, str]] | None = None  # chain -> owner | standby (leases)

    async def check(self) -> dict[str, Any]:
        checks: dict[str, Any] = {}
        try:
            await asyncio.wait_for(self.pool.fetchval("SELECT 1"), 2.0)
            checks["database"] = "ok"
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError) as exc:
            checks["database"] = f"unreachable: {exc!r}"[:200]
        if self.rpc is not None:
            try:
                head = await asyncio.wait_for(self.rpc.block_number(), 2.0)
                checks["rpc"] = f"ok (head {head})"
                if self.progress is not None:  # a stuck follower does not see heads move
                    self.progress.saw_head(head)
            except Exception as exc:  # any failure means "not ready", with the reason
                checks["rpc"] = f"unreachable: {exc!r}"[:200]
            lag = int(HEAD_LAG_BLOCKS._value.get())
            checks["head_lag"] = (f"{lag}: node head behind the cursor" if lag < 0 else
                                  lag if lag <= self.max_head_lag else
                                  f"{lag} > {self.max_head_lag}")
        if self.progress is not None:
            checks["progress"] = self.progress.status()
        return checks


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """Liveness: the process answers."""
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(request: Request, response: Response) -> dict[str, Any]:
    """Ready when the database answers, the node answers and the head lag is small."""
    checks = await request.app.state.readiness.check()
    ok = all(v == "ok" or str(v).startswith("ok") or isinstance(v, int)
             for v in checks.values())
    response.status_code = 200 if ok else 503
    body: dict[str, Any] = {"ready": ok, "checks": checks}
    node = request.app.state.readiness.node
    if node is not None:
        body["node"] = node()
    roles = request.app.state.readiness.roles
    if roles is not None:
        body["chains"] = roles()
    return body


@router.get("/metrics", response_class=PlainTextResponse)
async def metrics() -> Response:
    """Prometheus metrics."""
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
