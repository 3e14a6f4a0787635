"""An HTTP JSON-RPC proxy in front of a real node that refuses some methods, the way a node
without them answers (-32601 "method not found"), single calls and batches alike. Used to
follow a real Anvil as if it were a node without ``trace_block``."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterable
from typing import Any

import aiohttp
import orjson
from aiohttp import web

from tests.support.local_http import serve_app


def _refusal(call: dict[str, Any]) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": call.get("id"),
            "error": {"code": -32601, "message": f"the method {call.get('method')} does not "
                                                 "exist/is not available"}}


@contextlib.asynccontextmanager
async def refusing_proxy(upstream: str, refuse: Iterable[str]) -> AsyncIterator[str]:
    """``http://127.0.0.1:PORT`` forwarding to ``upstream`` except the ``refuse`` methods."""
    refused = set(refuse)
    session = aiohttp.ClientSession()

    async def forward(request: web.Request) -> web.Response:
        body = orjson.loads(await request.read())
        calls = body if isinstance(body, list) else [body]
        passed = [c for c in calls if c.get("method") not in refused]
        answers: dict[Any, dict[str, Any]] = {}
        if passed:
            async with session.post(upstream, data=orjson.dumps(passed),
                                    headers={"Content-Type": "application/json"}) as up:
                for answer in orjson.loads(await up.read()):
                    answers[answer.get("id")] = answer
        out = [answers.get(c.get("id")) if c.get("method") not in refused else _refusal(c)
               for c in calls]
        return web.Response(body=orjson.dumps(out if isinstance(body, list) else out[0]),
                            content_type="application/json")

    app = web.Application()
    app.router.add_post("/", forward)
    try:
        async with serve_app(app) as url:
            yield url
    finally:
        await session.close()
