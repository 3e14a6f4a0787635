"""The whole evaluation: a world run plus the recorded mainnet blocks, one report."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from pathlib import Path

from hafeniq_chain.config import Settings
from hafeniq_chain.evaluation.mainnet import evaluate_mainnet
from hafeniq_chain.evaluation.scoring import Counts, EvalReport, score
from hafeniq_chain.evaluation.variants.runner import evaluate_variants
from hafeniq_chain.evaluation.world_run import run_world
from hafeniq_chain.store.database import create_pool
from hafeniq_chain.store.embedded import EmbeddedPostgres
from hafeniq_chain.store.migrator import migrate

DEFAULT_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"


async def evaluate(settings: Settings, work: Path, benign_tx: int, seeds: list[int],
                   scenarios: list[str], data: Path | None, *, console_alerts: bool = False,
                   progress: Callable[[str], None] = lambda _: None,
                   variant_seeds: Sequence[int] = ()) -> EvalReport:
    """The whole evaluation in a fresh embedded PostgreSQL inside ``work``, plus the seeded
    chain variants (pure data, no node) over ``variant_seeds``."""
    server = EmbeddedPostgres(work / "db")
    pool = await create_pool(server.start(), max_size=8)
    try:
        await migrate(pool)
        run = await run_world(settings, pool, work, benign_tx=benign_tx, seeds=seeds,
                              scenarios=scenarios, progress=progress,
                              console_alerts=console_alerts)
    finally:
        await pool.close()
        server.stop()
    report = score(run.findings, run.labels, run.benign_tx_hashes, run.alerts)
    for key, (tp, fn, fp, _, alerted) in run.offchain.items():
        scenario = key.split(":")[0]
        report.alerted[scenario] = report.alerted.get(scenario, 0) + alerted
        for bucket in (report.by_scenario.setdefault(scenario, Counts()),
                       report.by_detector.setdefault("withdrawal_risk", Counts())):
            bucket.tp, bucket.fn, bucket.fp = bucket.tp + tp, bucket.fn + fn, bucket.fp + fp
    if variant_seeds:
        progress(f"chain variants: {len(variant_seeds)} seeds")
        report.variants = await asyncio.to_thread(evaluate_variants, variant_seeds,
                                                  settings.detect)
    if data is not None and (data / "mev-inspect-py").exists():
        report.by_detector.update(evaluate_mainnet(data))
    return report


