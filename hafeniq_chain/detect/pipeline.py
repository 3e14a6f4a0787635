"""The one detection stage: mined blocks and pending transactions through every detector.

Used by ``run`` (block hook and mempool), ``backfill`` with detection on, ``replay`` and
``eval``, so a detector behaves identically on history, on recordings and at the head. A
failing detector is logged and counted, never fatal (one isolation loop for both paths).
Pending transactions arrive through a bounded queue: a mempool flood drops and counts
sightings, it never grows memory. Learned baselines are loaded at start and saved
periodically, so a restart does not mean a new warm-up.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol

import asyncpg

from hafeniq_chain.core.finding import Finding
from hafeniq_chain.decode.records import BlockBundle, PendingTxRecord
from hafeniq_chain.detect.base import (
    DetectionContext,
    Detector,
    LearningDetector,
    PendingSimulator,
)
from hafeniq_chain.detect.mev.mempool_order import MEMPOOL_ORDER, MempoolOrder
from hafeniq_chain.detect.registry import build_detectors
from hafeniq_chain.detect.settings import DetectionSettings
from hafeniq_chain.log import get_logger
from hafeniq_chain.metrics import QUEUE_DEPTH
from hafeniq_chain.store.baselines import load_baselines, save_baselines

log = get_logger(__name__)


class FindingSink(Protocol):
    """Where findings go next (fusion and policy: ``fuse.engine.IncidentEngine``)."""

    async def process(self, findings: list[Finding]) -> Any: ...


class DetectionPipeline:
    """Detectors, their context and the sink their findings go to."""

    def __init__(self, detectors: Sequence[Detector], ctx: DetectionContext,
                 sink: FindingSink | None = None, queue_size: int = 10_000) -> None:
        self.detectors = list(detectors)
        self.block_detectors = [d for d in self.detectors if d.triggers.blocks]
        self.pending_detectors = [d for d in self.detectors if d.triggers.pending]
        self.learning = [d for d in self.detectors if isinstance(d, LearningDetector)]
        self.ctx = ctx
        self.sink = sink
        self.queue: asyncio.Queue[PendingTxRecord] = asyncio.Queue(queue_size)
        self.dropped = 0
        self.failures = 0
        # Several chains in one database: the second and later chains' baselines and finding
        # dedup keys carry "chain-<id>:" so equal addresses on two chains never merge.
        self.namespace = ""
        self.sightings = ctx.state.setdefault(MEMPOOL_ORDER, MempoolOrder())

    async def _isolated(self, detectors: Sequence[Detector],
                        call: Callable[[Detector], Awaitable[list[Finding]]],
                        event: str, **where: Any) -> list[Finding]:
        findings: list[Finding] = []
        for detector in detectors:
            try:
                findings += [self._own(f) for f in await call(detector)]
            except Exception as exc:  # one broken detector must not blind the others
                self.failures += 1
                log.error(event, detector=detector.name, error=repr(exc)[:300], **where)
        return findings

    def _own(self, f: Finding) -> Finding:
        """The finding stamped with this pipeline's chain (and namespace, if any)."""
        if f.chain_id is None:
            f = dataclasses.replace(f, chain_id=self.ctx.chain_id)
        if self.namespace and not f.dedup_key.startswith(self.namespace):
            f = dataclasses.replace(f, dedup_key=self.namespace + f.dedup_key)
        return f

    async def detect_block(self, bundle: BlockBundle) -> list[Finding]:
        """Every block detector's findings for one block."""
        return await self._isolated(self.block_detectors,
                                    lambda d: d.on_block(bundle, self.ctx),
                                    "detect.detector_failed", block=bundle.number)

    async def detect_pending(self, record: PendingTxRecord) -> list[Finding]:
        """Every pending detector's findings for one pending transaction."""
        return await self._isolated(self.pending_detectors,
                                    lambda d: d.on_pending(record, self.ctx),
                                    "detect.pending_detector_failed", tx=record.hash)

    async def __call__(self, bundle: BlockBundle) -> None:
        """The follower's block hook: detect on a stored block, then hand to the sink."""
        findings = await self.detect_block(bundle)
        if findings and self.sink is not None:
            await self.sink.process(findings)

    def offer(self, record: PendingTxRecord) -> None:
        """Called for every pending sighting; never blocks the subscription."""
        # NOTE: the arrival order is recorded here, not when the (possibly deep) detection
        # queue reaches the sighting: sandwich rules compare it with the next block.
        self.sightings.saw(record)
        if not self.pending_detectors:
            return
        try:
            self.queue.put_nowait(record)
        except asyncio.QueueFull:
            self.dropped += 1
            log.warning("detect.pending_queue_full", tx=record.hash, dropped=self.dropped)
        QUEUE_DEPTH.labels(queue="pending_detection").set(self.queue.qsize())

    async def run_pending(self, stop: asyncio.Event) -> None:
        """Evaluate pending transactions until ``stop``; findings go to the sink."""
        while not stop.is_set():
            try:
                record = await asyncio.wait_for(self.queue.get(), 0.5)
            except TimeoutError:
                continue
            findings = await self.detect_pending(record)
            if findings and self.sink is not None:
                await self.sink.process(findings)

    async def load_state(self, pool: asyncpg.Pool) -> None:
        async with pool.acquire() as conn:
            for detector in self.learning:
                rows = await load_baselines(conn, self.namespace + detector.name)
                detector.import_baselines(rows)
                log.info("detect.baselines_loaded", detector=detector.name, scopes=len(rows))

    async def save_state(self, pool: asyncpg.Pool, block: int | None = None) -> None:
        async with pool.acquire() as conn, conn.transaction():
            for detector in self.learning:
                rows = detector.export_baselines()
                await save_baselines(conn, self.namespace + detector.name, rows, block)


def build_pipeline(settings: DetectionSettings, chain_id: int, pool: asyncpg.Pool | None = None,
                   sink: FindingSink | None = None,
                   simulator: PendingSimulator | None = None) -> DetectionPipeline:
    """Every enabled detector, configured by ``settings``, with one shared context."""
    ctx = DetectionContext(chain_id=chain_id, pool=pool, settings=settings,
                           simulator=simulator)
    return DetectionPipeline(build_detectors(settings), ctx, sink)
