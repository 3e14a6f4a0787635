"""Recorded bundles through the same stages as live blocks: store, detect, record findings.

The detection itself is ``detect.pipeline`` (the daemon's block hook), built from the same
settings, so a detector behaves identically on recordings and at the head.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass

import asyncpg

from hafeniq_chain.core.finding import Finding
from hafeniq_chain.decode.records import BlockBundle
from hafeniq_chain.detect.pipeline import DetectionPipeline, build_pipeline
from hafeniq_chain.detect.settings import DetectionSettings
from hafeniq_chain.log import get_logger
from hafeniq_chain.store.findings import insert_findings
from hafeniq_chain.store.writer import write_blocks

log = get_logger(__name__)


@dataclass
class ReplayStats:
    """What a replay did, for its summary line: blocks stored, and blocks or files skipped."""

    blocks: int = 0
    blocks_skipped: int = 0
    files_skipped: int = 0


@dataclass(frozen=True)
class StoredFinding:
    """A finding with the id PostgreSQL gave it (None when running without a database)."""

    id: int | None
    finding: Finding


async def replay_bundles(bundles: Iterable[BlockBundle], settings: DetectionSettings,
                         pool: asyncpg.Pool | None,
                         stats: ReplayStats | None = None) -> AsyncIterator[StoredFinding]:
    """Store each bundle (when a pool is given), detect, store findings, yield them.

    One pipeline per chain id: detectors share state across blocks through it. A block
    the database refuses (a value no column holds) is a counted, logged skip
    (``replay.block_skipped``); the other blocks are still stored.
    """
    stats = stats if stats is not None else ReplayStats()
    pipeline: DetectionPipeline | None = None
    for bundle in bundles:
        if pipeline is None or pipeline.ctx.chain_id != bundle.chain_id:
            pipeline = build_pipeline(settings, bundle.chain_id, pool)
        findings = await pipeline.detect_block(bundle)
        ids: list[int | None] = [None] * len(findings)
        if pool is not None:
            try:
                async with pool.acquire() as conn, conn.transaction():
                    await write_blocks(conn, [bundle], method="copy")
                    ids = list(await insert_findings(conn, findings))
            except (asyncpg.DataError, OverflowError, ValueError) as exc:
                stats.blocks_skipped += 1
                log.error("replay.block_skipped", chain_id=bundle.chain_id,
                          block=bundle.number, error=f"{type(exc).__name__}: {exc}")
                continue
        stats.blocks += 1
        for finding_id, finding in zip(ids, findings, strict=True):
            yield StoredFinding(finding_id, finding)
