"""Benign world at a chosen density: share of transactions the governance, bridge,
laundering and rug detectors name (goal, issue 16: at most 0.1%).

Run alone: ``.venv/bin/python -m bench.benign_gov_bridge_bench N_TX [PER_BLOCK]``. Half an
hour of chain time (``run_benign(..., hours=0.5)``) through the real daemon on a fresh
world and an embedded PostgreSQL; prints the figures next to the goal.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

from web3 import Web3

from hafeniq_chain.config import Settings
from hafeniq_chain.daemon import Daemon
from hafeniq_chain.evaluation.world_run import _wait_indexed, manifest_watch
from hafeniq_chain.store.database import create_pool
from hafeniq_chain.store.embedded import EmbeddedPostgres
from hafeniq_chain.store.migrator import migrate
from hafeniq_chain.world.state import build_world, start_world
from hafeniq_chain.world.traffic import run_benign

DETECTORS = ("bridge_drain", "copycat_wave", "fund_tracing", "liquidity_rug", "voting_ring")
GOAL = 0.001


async def measure(n_tx: int, per_block: int) -> list[tuple[str, str]]:
    with tempfile.TemporaryDirectory() as tmp:
        server = EmbeddedPostgres(Path(tmp) / "db")
        pool = await create_pool(server.start(), max_size=8)
        node, manifest = start_world(build_world(Path(tmp) / "world"))
        try:
            await migrate(pool)
            settings = Settings()
            run_settings = settings.model_copy(update={
                "chain": settings.chain.model_copy(
                    update={"rpc_urls": [node.ws_url], "poll_interval_s": 0.2}),
                "api": settings.api.model_copy(update={"enabled": False}),
                "watch": manifest_watch(settings, manifest)})
            daemon = Daemon(run_settings, pool, start_block=0)
            task = asyncio.create_task(daemon.run())
            w3 = Web3(Web3.HTTPProvider(node.http_url))
            started = time.monotonic()
            stats = await asyncio.to_thread(run_benign, w3, manifest, 7, n_tx, hours=0.5,
                                            per_block=per_block)
            await _wait_indexed(pool, w3.eth.block_number, within_s=900)
            await asyncio.sleep(1.0)
            daemon.stop.set()
            await task
            total = await pool.fetchval("SELECT count(*) FROM transactions")
            rows = await pool.fetch(
                "SELECT detector, severity, tx_hashes FROM findings WHERE detector = "
                "ANY($1::text[])", list(DETECTORS))
            named = {h for r in rows for h in r["tx_hashes"]}
            elapsed = time.monotonic() - started
        finally:
            node.stop()
            await pool.close()
            server.stop()
    by = {d: sum(1 for r in rows if r["detector"] == d) for d in DETECTORS}
    share = len(named) / total if total else 0.0
    return [("benign intents / per block", f"{stats.tx_sent} / {per_block}"),
            ("transactions indexed", str(total)),
            ("findings of these detectors", ", ".join(f"{d} {n}" for d, n in by.items())),
            ("transactions named", f"{len(named)} ({share:.4%}; goal <= {GOAL:.1%})"),
            ("wall time (s)", f"{elapsed:.0f}")]


def run(n_tx: int = 2_000, per_block: int = 100) -> list[tuple[str, str]]:
    """``make bench`` entry: the default density (the mainnet one is a command line away)."""
    return asyncio.run(measure(n_tx, per_block))


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2_000
    per = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    for name, value in asyncio.run(measure(n, per)):
        print(f"{name:30} {value}")
