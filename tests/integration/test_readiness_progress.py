"""Issue 18.4: /readyz means progress. A real daemon (in-process, real Anvil, real
PostgreSQL, its real API) is not ready while its follower fails in a loop, while its cursor
is stuck as the head moves, or while the node's head is below the stored cursor; head_lag
says so instead of 0."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import asyncpg
import httpx
import pytest
from web3 import Web3

from hafeniq_chain.chain.anvil import AnvilNode, AnvilOptions, free_port
from hafeniq_chain.config import load_settings
from hafeniq_chain.daemon import Daemon
from hafeniq_chain.metrics import HEAD_LAG_BLOCKS
from tests.support.rpc_filter_proxy import refusing_proxy


def send(node: AnvilNode, n: int) -> int:
    w3 = Web3(Web3.HTTPProvider(node.http_url))
    a = w3.eth.accounts
    for i in range(n):
        w3.eth.send_transaction({"from": a[0], "to": a[1], "value": 1 + i})
    head: int = w3.eth.block_number
    return head


class Running:
    """A daemon running in this loop with its API on a free port."""

    def __init__(self, daemon: Daemon, port: int) -> None:
        self.daemon, self.port = daemon, port
        self.client = httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}")

    async def ready(self) -> tuple[int, dict[str, Any]]:
        for _ in range(100):
            try:
                r = await self.client.get("/readyz")
                return r.status_code, r.json()["checks"]
            except httpx.TransportError:
                await asyncio.sleep(0.1)
        raise AssertionError("the API never answered")

    async def until(self, what: Callable[[int, dict[str, Any]], bool], within_s: float
                    ) -> tuple[int, dict[str, Any]]:
        deadline = time.monotonic() + within_s
        while True:
            status, checks = await self.ready()
            if what(status, checks) or time.monotonic() > deadline:
                return status, checks
            await asyncio.sleep(0.2)


@pytest.fixture
async def run_daemon(pool: asyncpg.Pool) -> AsyncIterator[Callable[..., Any]]:
    started: list[tuple[Daemon, asyncio.Task[None], Running]] = []

    async def start(rpc: str, **overrides: Any) -> Running:
        port = free_port()
        settings = load_settings(None, **{"chain.rpc_urls": [rpc], "chain.poll_interval_s": 0.2,
                                          "api.listen": f"127.0.0.1:{port}", **overrides})
        daemon = Daemon(settings, pool, start_block=0)
        task = asyncio.create_task(daemon.run())
        running = Running(daemon, port)
        started.append((daemon, task, running))
        return running

    yield start
    for daemon, task, running in started:
        daemon.stop.set()
        await asyncio.wait_for(asyncio.gather(task, return_exceptions=True), 30)
        await running.client.aclose()


async def test_ready_then_failing_follower_on_a_node_that_refuses_receipts(
        anvil: AnvilNode, run_daemon: Callable[..., Any]) -> None:
    """A stage that keeps failing makes /readyz answer 503 with the error. (The issue's
    case, ``fetch_traces`` on a node without ``trace_block``, now falls back to
    ``debug_traceBlockByNumber`` or halts at start: ``test_trace_fallback``; a node that
    answers heads but refuses every way to read receipts fails each catch-up instead.)"""
    head = send(anvil, 2)
    refused = ["eth_getBlockReceipts", "eth_getTransactionReceipt"]
    async with refusing_proxy(anvil.http_url, refused) as url:
        running = await run_daemon(url)
        status, checks = await running.until(
            lambda s, c: "failing" in str(c.get("progress")), within_s=20)
    assert status == 503, checks
    assert "catch-ups in a row" in checks["progress"], checks
    assert "eth_getTransactionReceipt" in checks["progress"], checks
    assert checks["rpc"].startswith("ok") and checks["database"] == "ok"
    assert HEAD_LAG_BLOCKS._value.get() == head + 1  # nothing stored: the whole chain


async def test_ready_when_following(anvil: AnvilNode, run_daemon: Callable[..., Any]) -> None:
    running = await run_daemon(anvil.ws_url)
    head = send(anvil, 2)
    status, checks = await running.until(
        lambda s, c: f"cursor {head}," in str(c.get("progress")), within_s=20)
    assert status == 200, checks
    assert checks["progress"] == f"ok (cursor {head}, head {head})" and checks["head_lag"] == 0


async def test_stuck_cursor_while_the_head_moves_is_not_ready(
        anvil: AnvilNode, run_daemon: Callable[..., Any], pool: asyncpg.Pool) -> None:
    running = await run_daemon(anvil.ws_url)
    head = send(anvil, 1)
    await running.until(lambda s, c: f"cursor {head}," in str(c.get("progress")), 20)
    running.daemon.follower.progress.stall_after_s = 1.0
    async with pool.acquire() as blocker, blocker.transaction():
        # a write that cannot finish: the follower's next insert waits on this lock
        await blocker.execute("LOCK TABLE blocks IN ACCESS EXCLUSIVE MODE")
        moved = send(anvil, 3)
        status, checks = await running.until(
            lambda s, c: "stalled" in str(c.get("progress")), within_s=20)
        assert status == 503, checks
        assert f"cursor {head} has not advanced" in checks["progress"]
        assert HEAD_LAG_BLOCKS._value.get() == moved - head  # not 0 during the outage
    status, checks = await running.until(lambda s, c: s == 200, within_s=20)
    assert status == 200, checks


async def test_node_behind_the_cursor_is_not_ready_and_logged(
        run_daemon: Callable[..., Any], capsys: pytest.CaptureFixture[str]) -> None:
    port = free_port()
    with AnvilNode(AnvilOptions(port=port)) as node:
        running = await run_daemon(node.ws_url)
        head = send(node, 4)
        await running.until(lambda s, c: f"cursor {head}," in str(c.get("progress")), 20)
    with AnvilNode(AnvilOptions(port=port)):  # the node came back empty (reset)
        status, checks = await running.until(
            lambda s, c: "behind" in str(c.get("progress")), within_s=20)
        assert status == 503, checks
        assert checks["progress"] == f"node head 0 is behind the stored cursor {head}"
        assert checks["head_lag"] == f"{-head}: node head behind the cursor"
        assert HEAD_LAG_BLOCKS._value.get() == -head
    assert "chain.node_behind_cursor" in capsys.readouterr().out
