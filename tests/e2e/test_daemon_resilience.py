"""The daemon as a process: SIGKILL and restart, node death and restart, graceful SIGTERM.

After each disruption the stored chain must equal the node's: every block from 0 to the
head exactly once, every transaction exactly once.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest
from web3 import Web3

from hafeniq_chain.alert.receiver import WebhookReceiver
from hafeniq_chain.chain.anvil import AnvilNode, AnvilOptions, free_port
from hafeniq_chain.core.finding import ConfidenceBand, Finding, Severity
from hafeniq_chain.core.policy import Policy
from hafeniq_chain.core.reasons import ReasonCode
from hafeniq_chain.fuse.engine import IncidentEngine

pytestmark = pytest.mark.e2e
REPO = Path(__file__).resolve().parents[2]


def start_daemon(dsn: str, ws_url: str, extra_env: dict[str, str] | None = None
                 ) -> subprocess.Popen[bytes]:
    env = {**os.environ, "HAFENIQ_CHAIN__POLL_INTERVAL_S": "0.2",
           "HAFENIQ_API__LISTEN": f"127.0.0.1:{free_port()}", **(extra_env or {})}
    return subprocess.Popen(
        [sys.executable, "-m", "hafeniq_chain", "--dsn", dsn, "run", "--rpc", ws_url,
         "--from", "0"], cwd=REPO, env=env, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE)


def send(node: AnvilNode, n: int) -> int:
    w3 = Web3(Web3.HTTPProvider(node.http_url))
    a = w3.eth.accounts
    for i in range(n):
        w3.eth.send_transaction({"from": a[i % 4], "to": a[4 + i % 4], "value": 1 + i})
    head: int = w3.eth.block_number
    return head


async def wait_indexed(dsn: str, head: int, within_s: float = 30) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        deadline = time.monotonic() + within_s
        done = None
        while time.monotonic() < deadline:
            try:
                done = await conn.fetchval(
                    "SELECT block_number FROM cursors WHERE name = 'head'")
            except asyncpg.UndefinedTableError:  # the daemon has not migrated yet
                done = None
            if done is not None and done >= head:
                return
            await asyncio.sleep(0.1)
        raise AssertionError(f"daemon did not reach block {head} (at {done})")
    finally:
        await conn.close()


async def assert_exact_copy(dsn: str, node: AnvilNode) -> None:
    w3 = Web3(Web3.HTTPProvider(node.http_url))
    head = w3.eth.block_number
    conn = await asyncpg.connect(dsn)
    try:
        numbers = [r["number"] for r in await conn.fetch("SELECT number FROM blocks ORDER BY 1")]
        assert numbers == list(range(head + 1))
        for n in (0, head // 2, head):
            stored = await conn.fetchval("SELECT hash FROM blocks WHERE number = $1", n)
            assert stored == w3.eth.get_block(n)["hash"].to_0x_hex()
        expected = sum(len(w3.eth.get_block(n)["transactions"]) for n in range(head + 1))
        assert await conn.fetchval("SELECT count(*) FROM transactions") == expected
    finally:
        await conn.close()


@pytest.fixture
def daemon_procs() -> Iterator[list[subprocess.Popen[bytes]]]:
    procs: list[subprocess.Popen[bytes]] = []
    yield procs
    for p in procs:
        if p.poll() is None:
            p.kill()
            p.wait(10)


async def test_sigkill_and_restart_loses_and_duplicates_nothing(
        anvil: AnvilNode, empty_dsn: str, daemon_procs: list[subprocess.Popen[bytes]]) -> None:
    daemon_procs.append(start_daemon(empty_dsn, anvil.ws_url))
    await wait_indexed(empty_dsn, send(anvil, 10))
    daemon_procs[0].kill()
    daemon_procs[0].wait(10)
    send(anvil, 15)
    daemon_procs.append(start_daemon(empty_dsn, anvil.ws_url))
    await wait_indexed(empty_dsn, send(anvil, 5))
    await assert_exact_copy(empty_dsn, anvil)


async def test_node_killed_and_restarted_on_same_state(
        tmp_path: Path, empty_dsn: str, daemon_procs: list[subprocess.Popen[bytes]]) -> None:
    state = tmp_path / "state.json"
    port = free_port()
    options = AnvilOptions(port=port, dump_state=state, preserve_historical_states=True)
    node = AnvilNode(options).start()
    try:
        daemon_procs.append(start_daemon(empty_dsn, node.ws_url))
        await wait_indexed(empty_dsn, send(node, 8))
        node.stop()  # SIGTERM: Anvil dumps its state
        assert state.exists()
        await asyncio.sleep(1.0)  # the daemon sees a dead node and keeps retrying
        assert daemon_procs[0].poll() is None, "daemon must survive a dead node"
        node = AnvilNode(AnvilOptions(port=port, load_state=state, dump_state=state,
                                      preserve_historical_states=True)).start()
        await wait_indexed(empty_dsn, send(node, 6), within_s=45)
        await assert_exact_copy(empty_dsn, node)
    finally:
        node.stop()


async def test_sigterm_drains_and_exits_zero(
        anvil: AnvilNode, empty_dsn: str, daemon_procs: list[subprocess.Popen[bytes]]) -> None:
    daemon_procs.append(start_daemon(empty_dsn, anvil.ws_url))
    await wait_indexed(empty_dsn, send(anvil, 3))
    daemon_procs[0].send_signal(signal.SIGTERM)
    assert daemon_procs[0].wait(20) == 0
    assert b"daemon.stopped" in (daemon_procs[0].stderr.read() if daemon_procs[0].stderr
                                 else b"")


async def test_killed_mid_delivery_loses_no_alert(
        anvil: AnvilNode, pool: asyncpg.Pool, empty_dsn: str,
        daemon_procs: list[subprocess.Popen[bytes]]) -> None:
    engine = IncidentEngine(pool, Policy(), ["webhook"], weights={})
    for i in range(10):
        await engine.process([Finding(
            "drift", "1", "burst", 0.95, ConfidenceBand(0.9, 0.97), Severity.HIGH,
            (ReasonCode.FLASH_BURST,), f"burst {i}", f"k{i}", entities=(f"0xc{i}",))])
    receiver = WebhookReceiver("e2e-secret", free_port(), delay_s=0.3)
    await receiver.start()
    env = {"HAFENIQ_ALERTS__WEBHOOK_URL": receiver.url,
           "HAFENIQ_ALERTS__WEBHOOK_SECRET": "e2e-secret"}
    try:
        daemon_procs.append(start_daemon(empty_dsn, anvil.ws_url, env))
        for _ in range(200):
            if len(receiver.received) >= 3:
                break
            await asyncio.sleep(0.05)
        daemon_procs[0].kill()  # mid-delivery: a request is in flight, rows are locked
        daemon_procs[0].wait(10)
        assert len(receiver.received) < 10
        daemon_procs.append(start_daemon(empty_dsn, anvil.ws_url, env))
        sent = 0
        for _ in range(400):  # received by the receiver AND recorded as sent
            sent = await pool.fetchval(
                "SELECT count(*) FROM alert_deliveries WHERE status = 'sent'")
            if len(receiver.received) == 10 and sent == 10:
                break
            await asyncio.sleep(0.05)
    finally:
        await receiver.stop()
    assert len(receiver.received) == 10 and receiver.rejected == 0
    assert sent == 10


async def test_embedded_postgres_restart_is_ridden_out(
        anvil: AnvilNode, tmp_path: Path, daemon_procs: list[subprocess.Popen[bytes]]) -> None:
    from hafeniq_chain.store.embedded import EmbeddedPostgres

    server = EmbeddedPostgres(tmp_path)
    dsn = server.start()
    try:
        daemon_procs.append(start_daemon(dsn, anvil.ws_url))
        await wait_indexed(dsn, send(anvil, 5))
        server.stop()
        send(anvil, 5)  # blocks keep coming while the database is down
        await asyncio.sleep(1.0)
        assert daemon_procs[0].poll() is None, "daemon must survive a database restart"
        dsn = server.start()
        await wait_indexed(dsn, send(anvil, 3), within_s=60)
        await assert_exact_copy(dsn, anvil)
    finally:
        server.stop()


async def test_rpc_answering_garbage_or_hanging_fails_over(anvil: AnvilNode,
                                                          pool: asyncpg.Pool) -> None:
    from aiohttp import web

    from hafeniq_chain.config import load_settings
    from hafeniq_chain.daemon import Daemon

    async def garbage(request: web.Request) -> web.Response:
        return web.Response(text="<html>502 bad gateway</html>", status=200)

    async def hang(request: web.Request) -> web.Response:
        await asyncio.sleep(30)
        return web.Response(text="{}")

    runners = []
    urls = []
    for handler in (garbage, hang):
        app = web.Application()
        app.router.add_post("/", handler)
        runner = web.AppRunner(app)
        await runner.setup()
        port = free_port()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        runners.append(runner)
        urls.append(f"http://127.0.0.1:{port}/")
    settings = load_settings(None, **{"chain.rpc_urls": [*urls, anvil.http_url],
                                      "chain.rpc_timeout_s": 1.0, "chain.poll_interval_s": 0.2,
                                      "api.enabled": False})
    daemon = Daemon(settings, pool, start_block=0)
    task = asyncio.create_task(daemon.run())
    try:
        head = send(anvil, 4)
        for _ in range(300):
            if await pool.fetchval("SELECT block_number FROM cursors WHERE name = 'head'") == head:
                break
            await asyncio.sleep(0.1)
        assert await pool.fetchval("SELECT count(*) FROM blocks") == head + 1
    finally:
        daemon.stop.set()
        await task
        for runner in runners:
            await runner.cleanup()


async def test_readyz_reports_database_rpc_and_lag(
        anvil: AnvilNode, empty_dsn: str, daemon_procs: list[subprocess.Popen[bytes]]) -> None:
    import httpx

    port = free_port()
    env = {"HAFENIQ_API__LISTEN": f"127.0.0.1:{port}"}
    daemon_procs.append(start_daemon(empty_dsn, anvil.ws_url, env))
    await wait_indexed(empty_dsn, send(anvil, 2))
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
        for _ in range(50):
            try:
                ready = await client.get("/readyz")
                break
            except httpx.TransportError:
                await asyncio.sleep(0.1)
        assert ready.status_code == 200, ready.text
        assert ready.json()["checks"]["database"] == "ok"
        assert (await client.get("/healthz")).json() == {"status": "ok"}
        assert "hafeniq_blocks_indexed_total" in (await client.get("/metrics")).text
        anvil.stop(kill=True)
        down = await client.get("/readyz")
        assert down.status_code == 503 and "unreachable" in down.json()["checks"]["rpc"]
