"""Catch-up with every detector on the dense benign world, against the bare download rate.

The benign world at mainnet density (22,000 transactions in ~100-transaction blocks) is
generated on a fresh Anvil. Then, on that same node and in one run:

- the bare download rate: a client that merely downloads every block with its receipts
  (``eth_getBlockByNumber`` + ``eth_getBlockReceipts``, one block per request, 8 requests
  in flight, answers not even parsed): what the node can serve;
- ``hafeniq-chain run --from 0`` as an operator starts it (its own process, every
  detector, the incident engine and a signed webhook behind it) catching up from block 0,
  first with the one-step-at-a-time follower (``chain.fetch_ahead = 0``), then with the
  pipelined one, each into a fresh database; the rate is taken from the first stored batch
  to the head, with the CPU seconds of the daemon, PostgreSQL and Anvil over that span;
- alert latency, block announced (our own ``newHeads`` subscription) -> webhook received
  and verified, for attacks mined while the daemon is still catching up (their wait
  includes the backlog ahead of them) and for attacks mined once it is at the head;
- every registered detector's time per dense block (p50/p99).

Goals (issue 19): catch-up >= 0.35 of the bare rate; alert latency p99 < 250 ms; detectors
per block p99 < 50 ms. ``python -m bench.catchup_bench [N_TX [FETCH_AHEAD]]`` runs it
alone (``FETCH_AHEAD`` 0: the sequential follower).
"""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from web3 import Web3

from bench.backfill_bench import _cpu_s, _postgres_cpu_s
from bench.daemon_bench import OFFCHAIN, HeadClock, _decode, _percentiles_ms
from hafeniq_chain.alert.receiver import WebhookReceiver
from hafeniq_chain.chain.anvil import AnvilNode, free_port
from hafeniq_chain.chain.rpc import RpcClient, block_calls
from hafeniq_chain.decode.records import BlockBundle
from hafeniq_chain.detect.base import DetectionContext
from hafeniq_chain.detect.pipeline import DetectionPipeline
from hafeniq_chain.detect.registry import build_detectors
from hafeniq_chain.store.database import create_pool
from hafeniq_chain.store.embedded import EmbeddedPostgres
from hafeniq_chain.store.migrator import migrate
from hafeniq_chain.world.manifest import Manifest
from hafeniq_chain.world.scenarios import SCENARIOS, run_scenario
from hafeniq_chain.world.state import build_world, start_world
from hafeniq_chain.world.traffic import run_benign

N_TX = 22_000
# NOTE: 22,000 intents over 45 minutes of chain time fill ~100-transaction blocks (12 s
# apart), mainnet's density; spread over a day they would make ~5,700 near-empty blocks.
HOURS = 0.75
IN_FLIGHT = 8
GOAL_RATIO, GOAL_LATENCY_MS, GOAL_DETECT_MS = 0.35, 250, 50
DURING_CATCH_UP = ("sandwich", "liquidity_rug")
# NOTE: on a loaded machine Anvil took over 10 s (the default read timeout) to answer
# one busy block with its receipts while other requests were in flight.
RPC_TIMEOUT_S = 120


async def bare_download(url: str, first: int, last: int) -> float:
    """Seconds to download blocks ``first..last`` with receipts, ``IN_FLIGHT`` at a time."""
    rpc = RpcClient([url], timeout_s=RPC_TIMEOUT_S)
    queue = list(range(last, first - 1, -1))

    async def worker() -> None:
        while queue:
            await rpc.batch_raw(block_calls([queue.pop()]))

    try:
        await rpc.batch_raw(block_calls([first]))  # connection set up outside the clock
        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(IN_FLIGHT)))
        return time.perf_counter() - started
    finally:
        await rpc.close()


async def _cursor(pool: Any) -> int | None:
    value: int | None = await pool.fetchval(
        "SELECT block_number FROM cursors WHERE name = 'head'")
    return value


async def _follow_catch_up(pool: Any, head: int, pids: dict[str, Any], within_s: float = 900
                           ) -> tuple[int, float, dict[str, float]]:
    """Wait for the first stored batch, then for ``head``: (first block, seconds, CPU by
    process over that span)."""
    deadline = time.monotonic() + within_s
    while (start_block := await _cursor(pool)) is None:
        if time.monotonic() > deadline:
            raise TimeoutError("the daemon stored nothing")
        await asyncio.sleep(0.02)
    started, cpu = time.perf_counter(), {k: f() for k, f in pids.items()}
    while (await _cursor(pool) or -1) < head:
        if time.monotonic() > deadline:
            raise TimeoutError(f"the daemon did not reach block {head}")
        await asyncio.sleep(0.02)
    elapsed = time.perf_counter() - started
    return start_block, elapsed, {k: f() - cpu[k] for k, f in pids.items()}


class _Daemon:
    """``hafeniq-chain run --from 0`` on its own fresh embedded PostgreSQL."""

    def __init__(self, work: Path, name: str) -> None:
        self.work, self.name = work, name
        self.server = EmbeddedPostgres(work / f"db-{name}")
        self.dsn = self.server.start()

    async def start(self, node_ws: str, receiver: WebhookReceiver, secret: str,
                    ahead: int | None) -> None:
        self.pool = await create_pool(self.dsn, max_size=2)
        await migrate(self.pool)
        env = {**os.environ, "HAFENIQ_STORE__DSN": self.dsn,
               "HAFENIQ_ALERTS__WEBHOOK_URL": receiver.url,
               "HAFENIQ_ALERTS__WEBHOOK_SECRET": secret, "HAFENIQ_API__ENABLED": "false",
               "HAFENIQ_CHAIN__POLL_INTERVAL_S": "0.2", "HAFENIQ_LOG_LEVEL": "warning",
               "HAFENIQ_CHAIN__RPC_TIMEOUT_S": str(RPC_TIMEOUT_S)}
        if ahead is not None:  # 0: the one-step-at-a-time follower
            env["HAFENIQ_CHAIN__FETCH_AHEAD"] = str(ahead)
        self.log = (self.work / f"daemon-{self.name}.log").open("w")
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "hafeniq_chain", "run", "--rpc", node_ws, "--from", "0",
            env=env, stdout=self.log, stderr=self.log)

    async def stop(self) -> None:
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(self.process.wait(), 60)
        self.log.close()
        await self.pool.close()
        self.server.stop()

    async def catch_up(self, head: int, anvil_pid: int) -> tuple[float, int, dict[str, float]]:
        """Seconds from the first stored batch to ``head``, transactions in that span, CPU."""
        pids = {"daemon": lambda: _cpu_s(self.process.pid),
                "postgres": lambda: _postgres_cpu_s(self.work / f"db-{self.name}" / "pgdata"),
                "anvil": lambda: _cpu_s(anvil_pid)}
        first, seconds, cpu = await _follow_catch_up(self.pool, head, pids)
        txs = await self.pool.fetchval(
            "SELECT count(*) FROM transactions WHERE block_number > $1 AND block_number <= $2",
            first, head)
        cpu["blocks"] = head - first
        return seconds, txs, cpu


def _catch_up_row(name: str, seconds: float, txs: int, cpu: dict[str, float],
                  bare_rate: float) -> list[tuple[str, str]]:
    per_k = 1000 / max(1, cpu["blocks"])
    return [(f"catch-up, {name}", f"{txs / seconds:,.0f} tx/s ({cpu['blocks']:.0f} blocks in "
                                  f"{seconds:.1f} s) = {txs / seconds / bare_rate:.2f} of bare "
                                  f"(goal >= {GOAL_RATIO})"),
            (f"  CPU s per 1,000 blocks, {name}",
             f"{cpu['daemon'] * per_k:.1f} daemon + {cpu['postgres'] * per_k:.1f} PostgreSQL + "
             f"{cpu['anvil'] * per_k:.1f} Anvil")]


async def _measure(n_tx: int, work: Path, ahead: int | None) -> list[tuple[str, str]]:
    node, manifest = start_world(build_world(work / "world"))
    try:
        return await _measure_on(node, manifest, n_tx, work, ahead)
    finally:
        node.stop()  # also when the run fails before the daemons start


async def _measure_on(node: AnvilNode, manifest: Manifest, n_tx: int, work: Path,
                      ahead: int | None) -> list[tuple[str, str]]:
    assert node.process is not None
    secret = secrets.token_hex(16)
    receiver = WebhookReceiver(secret, free_port())
    await receiver.start()
    clock = HeadClock(node.ws_url)
    clock_task = asyncio.create_task(clock.run())
    w3 = Web3(Web3.HTTPProvider(node.http_url))
    generated = time.monotonic()
    traffic = await asyncio.to_thread(run_benign, w3, manifest, 42, n_tx, hours=HOURS)
    generated = time.monotonic() - generated
    head = w3.eth.block_number
    bare_s = await bare_download(node.http_url, 0, head)
    bare_rate = traffic.tx_sent / bare_s
    rows = [("dense benign world", f"{head + 1} blocks, {traffic.tx_sent:,} txs "
                                   f"(generated in {generated:.0f} s)"),
            ("bare download (8 in flight)", f"{bare_rate:,.0f} tx/s ({bare_s:.1f} s)")]
    sequential = _Daemon(work, "sequential")
    try:
        # NOTE: the one-step-at-a-time follower first, on the same node, for comparison.
        await sequential.start(node.ws_url, receiver, secret, 0)
        rows += _catch_up_row("sequential", *await sequential.catch_up(head, node.process.pid),
                              bare_rate)
    finally:
        await sequential.stop()
    receiver.received.clear()
    daemon = _Daemon(work, "pipelined")
    during: list[str] = []

    def attack_while_catching_up() -> None:
        time.sleep(1.0)
        for name in DURING_CATCH_UP:
            during.extend(tx for lb in run_scenario(name, w3, manifest, 11,
                                                    out_dir=work / f"{name}-during")
                          for tx in lb.tx_hashes)

    attacker = threading.Thread(target=attack_while_catching_up)
    try:
        await daemon.start(node.ws_url, receiver, secret, ahead)
        catch = asyncio.create_task(daemon.catch_up(head, node.process.pid))
        attacker.start()
        rows += _catch_up_row("pipelined" if ahead is None else f"fetch_ahead={ahead}",
                              *await catch, bare_rate)
        await asyncio.to_thread(attacker.join)
        await _wait_indexed(daemon.pool, w3.eth.block_number)
        after: list[str] = []
        for name in (n for n in SCENARIOS if n not in OFFCHAIN):
            after += [tx for lb in await asyncio.to_thread(
                run_scenario, name, w3, manifest, 12, out_dir=work / f"{name}-after")
                for tx in lb.tx_hashes]
        await _wait_indexed(daemon.pool, w3.eth.block_number)
        await asyncio.sleep(3.0)  # the last alerts are in flight
        latencies = _latencies(w3, receiver, clock.seen)
        during_lat = [s for s, txs in latencies if txs & set(during)]
        after_lat = [s for s, txs in latencies if txs & set(after)]
        bundles, _ = await _decode(node.http_url, traffic.first_block, traffic.last_block)
        detect_s, slowest = await _detector_times(bundles, daemon.pool)
    except Exception:
        print((work / "daemon-pipelined.log").read_text()[-4000:], file=sys.stderr)
        raise
    finally:
        await daemon.stop()
        clock_task.cancel()
        await receiver.stop()
    p99 = _percentiles_ms
    return [
        *rows,
        ("alert latency, mined while catching up",
         (p99(during_lat) + " alerts" if during_lat else "no alert")
         + f" (goal p99 < {GOAL_LATENCY_MS} ms; waits for the backlog ahead of it)"),
        ("alert latency, mined at the head",
         (p99(after_lat) + " alerts" if after_lat else "no alert")
         + f" (goal p99 < {GOAL_LATENCY_MS} ms)"),
        ("all detectors per dense block", p99(detect_s) + f" blocks (goal p99 < "
                                                          f"{GOAL_DETECT_MS} ms)"),
        ("  slowest detectors (p99 ms)", slowest),
    ]


async def _detector_times(bundles: list[BlockBundle], pool: Any) -> tuple[list[float], str]:
    """Per-block time of every registered detector together over the benign blocks in
    order (the daemon's database behind them), and the three slowest detectors' p99."""
    pipeline = DetectionPipeline(build_detectors(), DetectionContext(chain_id=31337, pool=pool))
    each: dict[str, list[float]] = {d.name: [] for d in pipeline.block_detectors}
    failed: Counter[str] = Counter()
    times = []
    for bundle in bundles:
        started = time.perf_counter()
        for detector in pipeline.block_detectors:
            at = time.perf_counter()
            try:
                await detector.on_block(bundle, pipeline.ctx)
            except Exception:  # counted and shown, as the daemon's pipeline isolates it
                failed[detector.name] += 1
            each[detector.name].append(time.perf_counter() - at)
        times.append(time.perf_counter() - started)
    p99 = {name: statistics.quantiles(v, n=100)[98] * 1000 for name, v in each.items()
           if len(v) > 1}
    slowest = ", ".join(f"{n} {ms:.1f}" for n, ms in sorted(p99.items(),
                                                           key=lambda kv: -kv[1])[:3])
    if failed:
        slowest += "; FAILED on " + ", ".join(f"{n}: {c} blocks" for n, c in failed.items())
    return times, slowest


def _latencies(w3: Web3, receiver: WebhookReceiver, seen: dict[int, float]
               ) -> list[tuple[float, set[str]]]:
    """Per first alert: received time minus the announce time of its newest block, and its
    transactions."""
    out = []
    for key, payload in receiver.received.items():
        txs = payload.get("tx_hashes") or []
        if payload.get("kind") != "alert" or not txs:
            continue
        mined = seen.get(max(int(w3.eth.get_transaction_receipt(h)["blockNumber"])
                             for h in txs))
        if mined is not None:
            out.append((receiver.arrived_at[key] - mined, set(txs)))
    return out


async def _wait_indexed(pool: Any, block: int, within_s: float = 600) -> None:
    deadline = time.monotonic() + within_s
    while (await _cursor(pool) or -1) < block:
        if time.monotonic() > deadline:
            raise TimeoutError(f"the daemon did not index block {block}")
        await asyncio.sleep(0.1)


def run(n_tx: int = N_TX, ahead: int | None = None) -> list[tuple[str, str]]:
    with tempfile.TemporaryDirectory(prefix="hafeniq-catchup-bench-") as tmp:
        return asyncio.run(_measure(n_tx, Path(tmp), ahead))


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:3]]
    for figure, value in run(*args):
        print(f"{figure:40} {value}")
