"""Drift baselines round-trip through PostgreSQL: a restarted detector behaves the same."""

from __future__ import annotations

import random

import asyncpg

from hafeniq_chain.detect.base import DetectionContext
from hafeniq_chain.detect.drift.drift import DriftDetector, DriftSettings
from hafeniq_chain.store.baselines import load_baselines, save_baselines
from tests.unit.test_drift_detector import _benign_block, _bundle


async def test_baselines_survive_a_restart(pool: asyncpg.Pool) -> None:
    rng = random.Random(9)
    detector = DriftDetector(DriftSettings(warmup_blocks=5))
    ctx = DetectionContext(chain_id=1)
    for n in range(1, 30):
        await detector.on_block(_bundle(n, _benign_block(rng, n)), ctx)
    rows = detector.export_baselines()
    async with pool.acquire() as conn:
        assert await save_baselines(conn, "drift", rows, block=29) == len(rows)
        assert await save_baselines(conn, "drift", rows, block=29) == len(rows)  # upsert
        loaded = await load_baselines(conn, "drift")
        assert await conn.fetchval("SELECT count(*) FROM baselines") == len(rows)
    restarted = DriftDetector(DriftSettings(warmup_blocks=5))
    restarted.import_baselines(loaded)
    assert restarted.export_baselines() == rows
