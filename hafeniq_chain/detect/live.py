"""Detectors at the chain head beyond the block hook: pending transactions and state.

Pending transactions reach detectors through a bounded queue (a mempool flood drops and
counts sightings, it never grows memory). Detectors that learn baselines
(``export_baselines``/``import_baselines``) have them loaded at start and saved
periodically, so a restart does not mean a new warm-up.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import asyncpg

from hafeniq_chain.decode.records import PendingTxRecord
from hafeniq_chain.detect.base import DetectionContext, Detector, LearningDetector
from hafeniq_chain.fuse.engine import IncidentEngine
from hafeniq_chain.log import get_logger
from hafeniq_chain.metrics import QUEUE_DEPTH
from hafeniq_chain.store.baselines import load_baselines, save_baselines

log = get_logger(__name__)


class LiveDetection:
    """Pending-transaction detection and baseline persistence for the daemon."""

    def __init__(self, engine: IncidentEngine, detectors: Sequence[Detector],
                 ctx: DetectionContext, queue_size: int = 10_000) -> None:
        self.engine = engine
        self.pending_detectors = [d for d in detectors if d.triggers.pending]
        self.learning = [d for d in detectors if isinstance(d, LearningDetector)]
        self.ctx = ctx
        self.queue: asyncio.Queue[PendingTxRecord] = asyncio.Queue(queue_size)
        self.dropped = 0

    def offer(self, record: PendingTxRecord) -> None:
        """Called for every pending sighting; never blocks the subscription."""
        if not self.pending_detectors:
            return
        try:
            self.queue.put_nowait(record)
        except asyncio.QueueFull:
            self.dropped += 1
            log.warning("detect.pending_queue_full", tx=record.hash, dropped=self.dropped)
        QUEUE_DEPTH.labels(queue="pending_detection").set(self.queue.qsize())

    async def run_pending(self, stop: asyncio.Event) -> None:
        """Evaluate pending transactions until ``stop``; findings go through fusion."""
        while not stop.is_set():
            try:
                record = await asyncio.wait_for(self.queue.get(), 0.5)
            except TimeoutError:
                continue
            findings = []
            for detector in self.pending_detectors:
                try:
                    findings += await detector.on_pending(record, self.ctx)
                except Exception as exc:  # one broken detector must not blind the others
                    log.error("detect.pending_detector_failed", detector=detector.name,
                              tx=record.hash, error=repr(exc)[:300])
            if findings:
                await self.engine.process(findings)

    async def load_state(self, pool: asyncpg.Pool) -> None:
        async with pool.acquire() as conn:
            for detector in self.learning:
                rows = await load_baselines(conn, detector.name)
                detector.import_baselines(rows)
                log.info("detect.baselines_loaded", detector=detector.name, scopes=len(rows))

    async def save_state(self, pool: asyncpg.Pool, block: int | None = None) -> None:
        async with pool.acquire() as conn, conn.transaction():
            for detector in self.learning:
                rows = detector.export_baselines()
                await save_baselines(conn, detector.name, rows, block)
