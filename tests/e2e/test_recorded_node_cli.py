"""`hafeniq-chain backfill` and `hafeniq-chain run` over real mainnet blocks, served by the
recorded node, store exactly what the node answered."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import asyncpg
import httpx
import pytest

from hafeniq_chain.chain.anvil import free_port
from hafeniq_chain.chain.recorded_blocks import contiguous
from hafeniq_chain.chain.recorded_node import NodeProfile, RecordedNode
from tests.support.real_rpc import assert_stored, real_rpc_blocks

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]
REPO = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "HAFENIQ_CHAIN__CHAIN_ID": "1", "HAFENIQ_CHAIN__POLL_INTERVAL_S": "0.2"}


async def test_backfill_command_over_real_blocks(shared_data: Path, empty_dsn: str) -> None:
    """The 2024 block: transaction types 0-3 (a blob transaction), 272 logs. (Each recorded
    block goes through backfill in tests/integration/test_recorded_node.py.)"""
    blocks = [b for b in real_rpc_blocks(shared_data) if b.number == 20_000_000]
    with RecordedNode(blocks, revealed=1) as node:
        for block in blocks:
            done = await asyncio.to_thread(
                subprocess.run, [sys.executable, "-m", "hafeniq_chain", "--dsn", empty_dsn,
                                 "backfill", "--from", str(block.number), "--to",
                                 str(block.number), "--rpc", node.http_url, "--workers", "1"],
                capture_output=True, text=True, timeout=90, cwd=REPO, env=ENV)
            assert done.returncode == 0, done.stderr[-3000:]
            assert "0 decode errors" in done.stderr
    conn = await asyncpg.connect(empty_dsn)
    try:
        for block in blocks:
            await assert_stored(conn, 1, block)
    finally:
        await conn.close()


def start_daemon(dsn: str, url: str, first: str, api_port: int | None = None,
                 **env: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "hafeniq_chain", "--dsn", dsn, "run", "--rpc", url, "--from",
         first], cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        env={**ENV, "HAFENIQ_API__LISTEN": f"127.0.0.1:{api_port or free_port()}", **env})


async def _wait_for_cursor(dsn: str, number: int, daemon: subprocess.Popen[bytes],
                           within_s: float = 60) -> None:
    deadline = time.monotonic() + within_s
    conn = None
    try:
        while time.monotonic() < deadline:
            assert daemon.poll() is None, daemon.stderr.read().decode()[-3000:] \
                if daemon.stderr else "daemon exited"
            try:
                conn = conn or await asyncpg.connect(dsn)
                at = await conn.fetchval("SELECT block_number FROM cursors WHERE name = 'head'")
                if at is not None and at >= number:
                    return
            except asyncpg.UndefinedTableError:  # not migrated yet
                pass
            await asyncio.sleep(0.2)
        raise AssertionError(f"the daemon did not reach block {number}")
    finally:
        if conn is not None:
            await conn.close()


async def test_run_follows_real_blocks_as_they_appear(shared_data: Path, empty_dsn: str
                                                      ) -> None:
    """The daemon follows newHeads over ws while the node reveals real blocks one by one
    (re-numbered into one chain), and stores each block's rows exactly."""
    chain = contiguous(real_rpc_blocks(shared_data)[1:], 500)
    port = free_port()
    with RecordedNode(chain, revealed=1) as node:
        daemon = start_daemon(empty_dsn, node.ws_url, "500", port)
        try:
            await _wait_for_cursor(empty_dsn, 500, daemon)
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
                ready = await client.get("/readyz")
            node_caps = ready.json()["node"]
            assert node_caps["block_receipts"] == "eth_getBlockReceipts"
            assert node_caps["chain_id"] == 1 and node_caps["traces"] == "not requested"
            assert node_caps["subscriptions"]["mempool"] == "full"
            for _ in chain[1:]:
                await asyncio.to_thread(node.reveal)
                await asyncio.sleep(0.3)
            await _wait_for_cursor(empty_dsn, chain[-1].number, daemon)
        finally:
            daemon.send_signal(signal.SIGTERM)
            _, err = await asyncio.to_thread(daemon.communicate, timeout=30)
        assert daemon.returncode == 0, err.decode()[-3000:]
        assert node.calls["eth_subscribe"] >= 1
    conn = await asyncpg.connect(empty_dsn)
    try:
        for block in chain:
            await assert_stored(conn, 1, block)
        assert await conn.fetchval("SELECT count(*) FROM pending_transactions") > 0
    finally:
        await conn.close()


async def test_backfill_without_any_tracing_method_says_why(shared_data: Path,
                                                            empty_dsn: str) -> None:
    """Backfill honours chain.fetch_traces; on a node without any tracing method it stops
    with one line instead of failing block after block."""
    blocks = real_rpc_blocks(shared_data)[:1]
    with RecordedNode(blocks, profile=NodeProfile.like("ganache")) as node:
        done = await asyncio.to_thread(
            subprocess.run, [sys.executable, "-m", "hafeniq_chain", "--dsn", empty_dsn,
                             "backfill", "--from", "0", "--to", "0", "--workers", "0",
                             "--rpc", node.http_url],
            capture_output=True, text=True, timeout=90, cwd=REPO,
            env={**ENV, "HAFENIQ_CHAIN__FETCH_TRACES": "true"})
    assert done.returncode == 1
    assert "neither trace_block nor debug_traceBlockByNumber" in done.stderr
    assert "Traceback" not in done.stderr
