"""The daemon as an operator runs it: alert latency, memory and decode throughput.

A real ``hafeniq-chain run`` process follows a fresh world over WebSocket while benign
traffic flows, then every on-chain attack scenario runs. Figures:

- alert latency: from the moment the block is announced by the node (our own
  ``newHeads`` subscription, a millisecond after Anvil mines it) to the moment the
  signed webhook is received and verified by a local receiver, for every first alert;
- the daemon's resident memory (RSS and peak) after indexing the benign world;
- decode throughput: raw block + receipt JSON to typed records (``normalize_block``),
  single core, over the benign blocks;
- every registered detector's time per benign block (p50/p99; issue 6 wants p99 < 50 ms).

Run alone with ``.venv/bin/python -m bench.daemon_bench [N_TX]``.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import websockets
from web3 import Web3

from hafeniq_chain.alert.receiver import WebhookReceiver
from hafeniq_chain.chain.anvil import free_port
from hafeniq_chain.chain.rpc import RpcClient
from hafeniq_chain.decode.abi_registry import AbiRegistry
from hafeniq_chain.decode.normalize import normalize_block
from hafeniq_chain.decode.records import BlockBundle
from hafeniq_chain.detect.base import DetectionContext
from hafeniq_chain.detect.pipeline import DetectionPipeline
from hafeniq_chain.detect.registry import build_detectors
from hafeniq_chain.store.database import create_pool
from hafeniq_chain.store.embedded import EmbeddedPostgres
from hafeniq_chain.store.migrator import migrate
from hafeniq_chain.world.scenarios import SCENARIOS, run_scenario
from hafeniq_chain.world.state import build_world, start_world
from hafeniq_chain.world.traffic import run_benign

OFFCHAIN = {"coordinated_withdrawals"}
ATTACK_SEEDS = (1, 2, 3)


class HeadClock:
    """Wall time at which each block number was announced over ``newHeads``."""

    def __init__(self, ws_url: str) -> None:
        self.ws_url = ws_url
        self.seen: dict[int, float] = {}

    async def run(self) -> None:
        async with websockets.connect(self.ws_url, max_size=None) as ws:
            await ws.send(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_subscribe",
                                      "params": ["newHeads"]}))
            async for message in ws:
                now = time.time()
                head = json.loads(message).get("params", {}).get("result")
                if head:
                    self.seen.setdefault(int(head["number"], 16), now)


def _rss_kib(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak) of a process, in KiB, from /proc."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0])
    return fields


async def _indexed(pool: Any, head: int, within_s: float = 600) -> None:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        if (await pool.fetchval("SELECT block_number FROM cursors WHERE name = 'head'") or -1
                ) >= head:
            return
        await asyncio.sleep(0.2)
    raise TimeoutError(f"the daemon did not index block {head} within {within_s}s")


async def _decode(http_url: str, first: int, last: int) -> tuple[list[BlockBundle], float]:
    """Blocks ``first..last`` decoded from their raw JSON, and the CPU seconds decoding took
    (the fetch, through the indexer's own RPC client, is not counted)."""
    rpc = RpcClient([http_url])
    try:
        raw = [pair for start in range(first, last + 1, 50)
               for pair in await rpc.block_with_receipts(range(start, min(start + 50, last + 1)))]
    finally:
        await rpc.close()
    registry = AbiRegistry.load()
    started = time.process_time()
    bundles = [normalize_block(31337, block, receipts, registry) for block, receipts in raw]
    return bundles, time.process_time() - started


async def _detector_times(bundles: list[BlockBundle], pool: Any) -> list[float]:
    """Per-block time of every registered detector, fresh, over the benign blocks in order
    (with the daemon's database behind them, as at the head)."""
    pipeline = DetectionPipeline(build_detectors(), DetectionContext(chain_id=31337, pool=pool))
    times = []
    for bundle in bundles:
        started = time.perf_counter()
        await pipeline.detect_block(bundle)
        times.append(time.perf_counter() - started)
    return times


def _percentiles_ms(values: list[float]) -> str:
    q = statistics.quantiles(values, n=100) if len(values) > 1 else values * 99
    return f"p50 {q[49] * 1000:.1f} ms, p99 {q[98] * 1000:.1f} ms over {len(values)}"


async def _measure(n_tx: int, work: Path) -> list[tuple[str, str]]:
    server = EmbeddedPostgres(work / "db")
    dsn = server.start()
    pool = await create_pool(dsn, max_size=2)
    await migrate(pool)
    node, manifest = start_world(build_world(work / "world"))
    secret = secrets.token_hex(16)
    receiver = WebhookReceiver(secret, free_port())
    await receiver.start()
    clock = HeadClock(node.ws_url)
    clock_task = asyncio.create_task(clock.run())
    env = {**os.environ, "HAFENIQ_STORE__DSN": dsn, "HAFENIQ_ALERTS__WEBHOOK_URL": receiver.url,
           "HAFENIQ_ALERTS__WEBHOOK_SECRET": secret, "HAFENIQ_API__ENABLED": "false",
           "HAFENIQ_CHAIN__POLL_INTERVAL_S": "0.2", "HAFENIQ_LOG_LEVEL": "warning"}
    daemon = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "hafeniq_chain", "run", "--rpc", node.ws_url, "--from", "0",
        env=env, stdout=(log := (work / "daemon.log").open("w")), stderr=log)
    try:
        w3 = Web3(Web3.HTTPProvider(node.http_url))
        first = w3.eth.block_number + 1
        started = time.monotonic()
        await asyncio.to_thread(run_benign, w3, manifest, 42, n_tx)
        benign_last = w3.eth.block_number
        await _indexed(pool, benign_last)
        index_s = time.monotonic() - started
        memory = _rss_kib(daemon.pid)
        for name in (n for n in SCENARIOS if n not in OFFCHAIN):
            for seed in ATTACK_SEEDS:
                await asyncio.to_thread(run_scenario, name, w3, manifest, seed,
                                        out_dir=work / f"{name}-{seed}")
        await _indexed(pool, w3.eth.block_number)
        await asyncio.sleep(3.0)  # the last alerts are in flight
        latencies = _alert_latencies(w3, receiver, clock.seen)
        bundles, decode_cpu = await _decode(node.http_url, first, benign_last)
        detect_s = await _detector_times(bundles, pool)
    except Exception:
        # The daemon's own account of what went wrong is the useful part.
        print((work / "daemon.log").read_text()[-4000:], file=sys.stderr)
        raise
    finally:
        if daemon.returncode is None:
            daemon.send_signal(signal.SIGTERM)
        await asyncio.wait_for(daemon.wait(), 60)
        log.close()
        clock_task.cancel()
        await receiver.stop()
        await pool.close()
        node.stop()
        server.stop()
    rows = [("benign world indexed live", f"{n_tx} tx in {index_s:.1f} s"),
            ("daemon RSS after indexing", f"{memory['VmRSS'] / 1024:.0f} MiB "
                                          f"(peak {memory['VmHWM'] / 1024:.0f} MiB)"),
            ("decode throughput (1 core)",
             f"{sum(len(b.transactions) for b in bundles) / decode_cpu:,.0f} tx/s, "
             f"{sum(len(b.logs) for b in bundles) / decode_cpu:,.0f} logs/s"),
            ("all detectors per benign block", _percentiles_ms(detect_s) + " blocks"),
            ("alert latency mined -> webhook",
             _percentiles_ms(latencies) + " alerts" if latencies else "no alert received")]
    return rows


def _alert_latencies(w3: Web3, receiver: WebhookReceiver, seen: dict[int, float]
                     ) -> list[float]:
    """For each first alert: received time minus the announce time of its newest block."""
    out = []
    for key, payload in receiver.received.items():
        if payload.get("kind") != "alert" or not payload.get("tx_hashes"):
            continue
        blocks = [int(w3.eth.get_transaction_receipt(h)["blockNumber"])
                  for h in payload["tx_hashes"]]
        mined = seen.get(max(blocks))
        if mined is not None:
            out.append(receiver.arrived_at[key] - mined)
    return out


def run(n_tx: int = 10_000) -> list[tuple[str, str]]:
    with tempfile.TemporaryDirectory(prefix="hafeniq-daemon-bench-") as tmp:
        return asyncio.run(_measure(n_tx, Path(tmp)))


if __name__ == "__main__":
    for figure, value in run(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000):
        print(f"{figure:34} {value}")
