"""The benign world at mainnet density through the real daemon: MEV detectors stay quiet.

``run_benign`` compressed to ~100 transactions per block (3,000 intents over 0.05 h of
chain time: wallets trade the same pools several times within a few blocks, many swaps
per pool and block, as on mainnet). Before issue 15 this raised sandwich findings and
critical incidents on purely benign wallets (a wallet's buy, others' buys, its sell).
Target: at most 0.1% of benign transactions named by any MEV detector. The incidents the
benign traffic raised are printed.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import pytest

from hafeniq_chain.config import Settings
from hafeniq_chain.evaluation.world_run import run_world
from hafeniq_chain.store.database import create_pool
from hafeniq_chain.store.migrator import migrate
from tests.conftest import fresh_database

pytestmark = [pytest.mark.integration, pytest.mark.timeout(400)]
MEV = {"sandwich", "sandwich_cross_block", "mev_cluster", "sandwich_setup", "arbitrage",
       "jit"}
BENIGN_TX, HOURS = 3_000, 0.05


async def test_dense_benign_world_names_at_most_a_thousandth_of_benign_txs(
        pg_server: str, tmp_path: Path) -> None:
    async with fresh_database(pg_server) as dsn:
        pool = await create_pool(dsn, min_size=1, max_size=8)
        try:
            await migrate(pool)
            started = time.monotonic()
            run = await run_world(Settings(), pool, tmp_path, benign_tx=BENIGN_TX, seeds=[15],
                                  scenarios=[], hours=HOURS)
            per_block = [r["n"] for r in await pool.fetch(
                "SELECT count(*) AS n FROM transactions GROUP BY block_number")]
            swaps = [r["n"] for r in await pool.fetch(
                "SELECT count(*) AS n FROM swaps GROUP BY block_number, pool")]
            incidents = await pool.fetch(
                "SELECT severity, risk_score, summary FROM incidents ORDER BY risk_score DESC")
        finally:
            await pool.close()
    busy = [n for n in per_block if n >= 50]
    benign = set(run.benign_tx_hashes)
    named = {h for f in run.findings if f.detector in MEV for h in f.tx_hashes} & benign
    by_detector = {d: len({h for f in run.findings if f.detector == d
                           for h in f.tx_hashes} & benign) for d in MEV}
    print(f"\ndense world: {len(benign)} benign txs in {time.monotonic() - started:.0f} s; "
          f"{len(busy)} blocks of >= 50 txs (median {statistics.median(busy):.0f}, "
          f"max {max(busy)}); swaps per pool and block: max {max(swaps)}, "
          f"median {statistics.median(swaps):.0f}")
    print(f"benign txs named by MEV detectors: {len(named)} "
          f"({len(named) / len(benign):.3%}); by detector: {by_detector}")
    print(f"incidents raised by benign traffic: {len(incidents)}")
    for r in incidents:
        print(f"  {r['severity']:8} risk {r['risk_score']:4}  {r['summary'][:150]}")
    assert len(busy) >= 20 and statistics.median(busy) >= 100
    assert max(swaps) >= 10
    assert len(named) <= len(benign) // 1000
