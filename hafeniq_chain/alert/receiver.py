"""A small signed-webhook receiver (for the demo and tests): verifies, de-duplicates.

It is what a customer's endpoint should do: check ``X-Hafeniq-Signature`` over
``timestamp.body``, reject stale timestamps, and drop repeats by ``Idempotency-Key``.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from hafeniq_chain.alert.signing import sign


@dataclass
class WebhookReceiver:
    """Runs on 127.0.0.1; ``received`` holds each accepted payload once."""

    secret: str
    port: int
    tolerance_s: int = 300
    delay_s: float = 0.0  # a slow receiver, for tests that kill the sender mid-delivery
    received: dict[str, dict[str, Any]] = field(default_factory=dict)
    arrived_at: dict[str, float] = field(default_factory=dict)  # key -> wall time (latency)
    duplicates: int = 0
    rejected: int = 0
    _runner: web.AppRunner | None = None

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        timestamp = request.headers.get("X-Hafeniq-Timestamp", "")
        signature = request.headers.get("X-Hafeniq-Signature", "")
        fresh = timestamp.isdigit() and abs(time.time() - int(timestamp)) <= self.tolerance_s
        if not fresh or not hmac.compare_digest(sign(self.secret, timestamp, body), signature):
            self.rejected += 1
            return web.Response(status=401, text="bad signature")
        key = request.headers.get("Idempotency-Key", "")
        if key in self.received:
            self.duplicates += 1
        else:
            self.received[key] = json.loads(body)
            self.arrived_at[key] = time.time()
        return web.Response(status=204)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/hook", self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"
