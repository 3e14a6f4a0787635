"""Run bundles through the same path as live blocks: store, detect, record findings.

Used by ``replay`` (recorded files) and by the daemon's block hook, so a detector
behaves identically on history, on recordings and at the head.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg

from hafeniq_chain.core.finding import Finding
from hafeniq_chain.decode.records import BlockBundle
from hafeniq_chain.detect.base import DetectionContext, Detector
from hafeniq_chain.fuse.engine import IncidentEngine
from hafeniq_chain.log import get_logger
from hafeniq_chain.store.findings import insert_findings
from hafeniq_chain.store.writer import write_blocks

log = get_logger(__name__)


@dataclass(frozen=True)
class StoredFinding:
    """A finding with the id PostgreSQL gave it (None when running without a database)."""

    id: int | None
    finding: Finding


async def detect_block(bundle: BlockBundle, detectors: Sequence[Detector],
                       ctx: DetectionContext) -> list[Finding]:
    """Every detector's findings for one block; a failing detector is logged, not fatal."""
    findings: list[Finding] = []
    for detector in detectors:
        if not detector.triggers.blocks:
            continue
        try:
            findings += await detector.on_block(bundle, ctx)
        except Exception as exc:  # one broken detector must not blind the others
            log.error("detect.detector_failed", detector=detector.name, block=bundle.number,
                      error=repr(exc)[:300])
    return findings


class DetectionHook:
    """The follower's block hook: detect on a stored block, then fuse and decide."""

    def __init__(self, engine: IncidentEngine, detectors: Sequence[Detector],
                 chain_id: int, settings: Any = None) -> None:
        self.engine = engine
        self.detectors = list(detectors)
        self.ctx = DetectionContext(chain_id=chain_id, pool=engine.pool, settings=settings)

    async def __call__(self, bundle: BlockBundle) -> None:
        findings = await detect_block(bundle, self.detectors, self.ctx)
        if findings:
            await self.engine.process(findings)


async def replay_bundles(bundles: Iterable[BlockBundle], detectors: Sequence[Detector],
                         pool: asyncpg.Pool | None) -> AsyncIterator[StoredFinding]:
    """Store each bundle (when a pool is given), detect, store findings, yield them.

    One context for the whole replay: detectors share state across blocks through it.
    """
    ctx: DetectionContext | None = None
    for bundle in bundles:
        if ctx is None or ctx.chain_id != bundle.chain_id:
            ctx = DetectionContext(chain_id=bundle.chain_id, pool=pool)
        findings = await detect_block(bundle, detectors, ctx)
        ids: list[int | None] = [None] * len(findings)
        if pool is not None:
            async with pool.acquire() as conn, conn.transaction():
                await write_blocks(conn, [bundle], method="copy")
                ids = list(await insert_findings(conn, findings))
        for finding_id, finding in zip(ids, findings, strict=True):
            yield StoredFinding(finding_id, finding)
