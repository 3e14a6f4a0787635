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
from hafeniq_chain.store.findings import insert_findings
from hafeniq_chain.store.writer import write_blocks


@dataclass(frozen=True)
class StoredFinding:
    """A finding with the id PostgreSQL gave it (None when running without a database)."""

    id: int | None
    finding: Finding


async def replay_bundles(bundles: Iterable[BlockBundle], settings: DetectionSettings,
                         pool: asyncpg.Pool | None) -> AsyncIterator[StoredFinding]:
    """Store each bundle (when a pool is given), detect, store findings, yield them.

    One pipeline per chain id: detectors share state across blocks through it.
    """
    pipeline: DetectionPipeline | None = None
    for bundle in bundles:
        if pipeline is None or pipeline.ctx.chain_id != bundle.chain_id:
            pipeline = build_pipeline(settings, bundle.chain_id, pool)
        findings = await pipeline.detect_block(bundle)
        ids: list[int | None] = [None] * len(findings)
        if pool is not None:
            async with pool.acquire() as conn, conn.transaction():
                await write_blocks(conn, [bundle], method="copy")
                ids = list(await insert_findings(conn, findings))
        for finding_id, finding in zip(ids, findings, strict=True):
            yield StoredFinding(finding_id, finding)
