"""Hot-wallet amount forecast on-chain (seed 002) through the real daemon on a real world.

World scenario ``amount_above_forecast``: the manifest's hot wallet makes 30 routine
payouts, then one transfer 50-200x its usual amount. Twenty fresh seeds run one after the
other on the same wallet, after benign traffic: every outsized transfer must be flagged,
no routine payout and no benign transaction may be.
"""

from __future__ import annotations

from pathlib import Path

import asyncpg
import pytest

from hafeniq_chain.config import Settings, StoreSettings
from hafeniq_chain.evaluation.scoring import score
from hafeniq_chain.evaluation.world_run import run_world

SEEDS = range(1000, 1020)
DETECTOR = "hot_wallet_forecast"


@pytest.mark.integration
@pytest.mark.timeout(600)
async def test_outsized_hot_wallet_transfers_all_flagged_routine_ones_never(
        pool: asyncpg.Pool, tmp_path: Path) -> None:
    settings = Settings(store=StoreSettings(data_dir=tmp_path / "unused"))
    settings.api.enabled = False
    run = await run_world(settings, pool, tmp_path, benign_tx=150, seeds=list(SEEDS),
                          scenarios=["amount_above_forecast"])
    ours = [f for f in run.findings if f.detector == DETECTOR]
    report = score(ours, run.labels, run.benign_tx_hashes)
    counts = report.by_scenario["amount_above_forecast"]
    print(f"hot_wallet_forecast over {len(SEEDS)} seeds: {counts.as_dict()}")
    assert len(run.labels) == len(SEEDS)
    assert counts.recall == 1.0, counts.as_dict()
    routine = {h.lower() for lb in run.labels for h in lb.details["history_txs"]}
    flagged = {h for f in ours for h in f.tx_hashes}
    assert not flagged & routine, "a routine payout was flagged"
    assert report.by_detector[DETECTOR].fp == 0
    assert report.benign_tx_flagged == 0
    outsized = {h for lb in run.labels for h in lb.tx_hashes}
    assert flagged == outsized
    details = await pool.fetch(
        "SELECT reason_codes, details FROM findings WHERE detector = $1", DETECTOR)
    assert all("AMOUNT_ABOVE_FORECAST" in r["reason_codes"] for r in details)
    assert all(r["details"]["mode"] == "log_only" and not r["details"]["would_reject"]
               and r["details"]["amount"] > r["details"]["tx_limit"] for r in details)
