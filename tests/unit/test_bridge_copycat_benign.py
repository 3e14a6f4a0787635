"""A stationary stream of ordinary bridge use raises no copycat-wave finding."""

from __future__ import annotations

import asyncio
import random

from hafeniq_chain.decode.records import BlockBundle, LogRecord
from hafeniq_chain.detect.base import DetectionContext
from hafeniq_chain.detect.bridge.copycat_wave import CopycatWaveDetector

BRIDGE = "0x" + "ab" * 20
TOPIC = "0x" + "11" * 32


def _block(n: int, k: int) -> BlockBundle:
    logs = [LogRecord(block_number=n, log_index=i, tx_hash=f"0x{n:032x}{i:032x}", tx_index=i,
                      address=BRIDGE, topics=(TOPIC,), data=b"") for i in range(k)]
    return BlockBundle(chain_id=1, number=n, hash=f"0x{n:064x}", parent_hash="0x0",
                       timestamp=n * 12, logs=logs)


def test_stationary_bridge_use_no_findings_after_warmup_but_burst_flags() -> None:
    rng = random.Random(7)
    det = CopycatWaveDetector()
    ctx = DetectionContext(chain_id=1)

    async def run() -> tuple[int, int]:
        late = 0
        for n in range(1, 2001):
            found = await det.on_block(_block(n, rng.choice([0, 0, 0, 1])), ctx)
            if n > 200:
                late += len(found)
        burst = 0
        for n in range(2001, 2004):
            burst += len(await det.on_block(_block(n, 40), ctx))
        return late, burst

    late, burst = asyncio.run(run())
    assert late == 0
    assert burst > 0
