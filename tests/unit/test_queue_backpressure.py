"""A mempool flood is back-pressure (bounded queues, counted drops), never memory growth."""

from __future__ import annotations

from hafeniq_chain.chain.mempool import PendingStore
from hafeniq_chain.decode.records import PendingTxRecord
from hafeniq_chain.detect.base import DetectionContext
from hafeniq_chain.detect.mev.sandwich_setup import SandwichSetupDetector
from hafeniq_chain.detect.pipeline import DetectionPipeline


def record(i: int) -> PendingTxRecord:
    return PendingTxRecord(hash=f"0x{i:064x}", first_seen_ms=i, from_addr="0x" + "1" * 40,
                           to_addr="0x" + "2" * 40, value=0, input=b"")


def test_pending_store_and_detection_queues_are_bounded() -> None:
    store = PendingStore(pool=None, chain_id=1, maxsize=100)  # type: ignore[arg-type]
    live = DetectionPipeline([SandwichSetupDetector()], DetectionContext(chain_id=1),
                             queue_size=50)
    for i in range(10_000):
        store.offer(record(i))
        live.offer(record(i))
    assert store.queue.qsize() == 100 and store.dropped == 9_900
    assert live.queue.qsize() == 50 and live.dropped == 9_950
