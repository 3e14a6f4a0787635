"""Two chains (two Anvils) in one `[[chains]]` config: followed by one `run` process, then
by two replicas; the owner of both is killed (-9) and the other replica takes both over.
Each chain's stored blocks and transactions are an exact copy of its node's."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest
from web3 import Web3

from hafeniq_chain.chain.anvil import AnvilNode, AnvilOptions, free_port
from tests.e2e.test_daemon_resilience import send

pytestmark = pytest.mark.e2e
REPO = Path(__file__).resolve().parents[2]
CHAINS = {"alpha": 31337, "beta": 31338}


@pytest.fixture
def nodes() -> Iterator[dict[str, AnvilNode]]:
    started = {name: AnvilNode(AnvilOptions(chain_id=cid)).start()
               for name, cid in CHAINS.items()}
    yield started
    for node in started.values():
        node.stop()


def _config(path: Path, nodes: dict[str, AnvilNode]) -> Path:
    text = "[lease]\nheartbeat_s = 0.5\nretry_s = 0.5\n"
    for name, chain_id in CHAINS.items():
        text += (f'[[chains]]\nname = "{name}"\nchain_id = {chain_id}\n'
                 f'rpc_urls = ["{nodes[name].ws_url}"]\npoll_interval_s = 0.2\n')
    path.write_text(text)
    return path


def _start(config: Path, dsn: str, name: str, port: int, logs: Path
           ) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "hafeniq_chain", "--config", str(config), "--dsn", dsn, "run",
         "--from", "0"], cwd=REPO, stdout=subprocess.DEVNULL,
        stderr=(logs / f"{name}.log").open("wb"),
        env={**os.environ, "HAFENIQ_API__LISTEN": f"127.0.0.1:{port}",
             "HAFENIQ_LEASE__REPLICA_ID": name})


async def _wait_both(conn: asyncpg.Connection, heads: dict[str, int], within_s: float) -> None:
    deadline = time.monotonic() + within_s
    done: dict[int, int] = {}
    while time.monotonic() < deadline:
        try:
            done = {r["chain_id"]: r["block_number"] for r in await conn.fetch(
                "SELECT chain_id, block_number FROM cursors WHERE name = 'head'")}
        except asyncpg.UndefinedTableError:  # not migrated yet
            done = {}
        if all(done.get(CHAINS[n], -1) >= h for n, h in heads.items()):
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"chains not indexed to {heads} within {within_s} s: {done}")


async def _assert_exact_copies(conn: asyncpg.Connection, nodes: dict[str, AnvilNode]) -> None:
    for name, node in nodes.items():
        w3, chain_id = Web3(Web3.HTTPProvider(node.http_url)), CHAINS[name]
        head = w3.eth.block_number
        numbers = [r["number"] for r in await conn.fetch(
            "SELECT number FROM blocks WHERE chain_id = $1 AND number <= $2 ORDER BY 1",
            chain_id, head)]
        assert numbers == list(range(head + 1)), name
        assert await conn.fetchval("SELECT hash FROM blocks WHERE chain_id = $1 AND number = $2",
                                   chain_id, head) == w3.eth.get_block(head)["hash"].to_0x_hex()
        expected = sum(len(w3.eth.get_block(n)["transactions"]) for n in range(head + 1))
        assert await conn.fetchval(
            "SELECT count(*) FROM transactions WHERE chain_id = $1 AND block_number <= $2",
            chain_id, head) == expected, name


async def _roles(port: int) -> dict[str, str]:
    async with httpx.AsyncClient(timeout=2.0) as client:
        for _ in range(400):  # a second Python process starting on a busy machine
            try:
                body = (await client.get(f"http://127.0.0.1:{port}/readyz")).json()
                roles: dict[str, str] = body["chains"]
                return roles
            except httpx.TransportError:
                await asyncio.sleep(0.1)
    raise AssertionError("API did not answer")


async def test_two_chains_one_daemon_then_two_replicas(
        nodes: dict[str, AnvilNode], empty_dsn: str, tmp_path: Path) -> None:
    config = _config(tmp_path / "chains.toml", nodes)
    ports = {"r0": free_port(), "r1": free_port()}
    procs = {"r0": _start(config, empty_dsn, "r0", ports["r0"], tmp_path)}
    conn = None
    try:
        for _ in range(100):
            try:
                conn = await asyncpg.connect(empty_dsn)
                break
            except OSError:
                await asyncio.sleep(0.1)
        assert conn is not None
        await _wait_both(conn, {n: send(node, 4) for n, node in nodes.items()}, 60)
        assert await _roles(ports["r0"]) == {"31337": "owner", "31338": "owner"}
        async with httpx.AsyncClient() as client:
            metrics = (await client.get(f"http://127.0.0.1:{ports['r0']}/metrics")).text
        assert 'hafeniq_chain_head_lag_blocks{chain="beta"}' in metrics

        procs["r1"] = _start(config, empty_dsn, "r1", ports["r1"], tmp_path)
        assert await _roles(ports["r1"]) == {"31337": "standby", "31338": "standby"}
        procs["r0"].kill()  # the owner of both chains
        procs["r0"].wait(10)
        killed_at = time.monotonic()
        while await conn.fetchval("SELECT count(*) FROM chain_leases WHERE owner = 'r1'") < 2:
            assert time.monotonic() - killed_at < 10, "r1 did not take both chains over"
            await asyncio.sleep(0.05)
        await _wait_both(conn, {n: send(node, 3) for n, node in nodes.items()}, 30)
        assert await _roles(ports["r1"]) == {"31337": "owner", "31338": "owner"}
        await _assert_exact_copies(conn, nodes)
    finally:
        if conn is not None:
            await conn.close()
        for proc in procs.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)
    for name in procs:
        lines = [json.loads(ln) for ln in (tmp_path / f"{name}.log").read_text().splitlines()
                 if ln.startswith("{")]
        assert [ln for ln in lines if ln.get("level") == "error"] == [], name
        assert not [ln for ln in lines if ln.get("event") == "daemon.stage_failed"], name
