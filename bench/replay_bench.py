"""Replay throughput over the 26 real mainnet blocks (no database): decode + detect.

Figures: blocks/s and traces/s end to end (JSON parse, trace decoding, swap extraction,
every registered detector), and per-block detector time p50/p99. Repeated a few rounds
so the percentiles rest on more than 26 samples; fresh detectors each round.
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import numpy as np

from hafeniq_chain.detect.base import DetectionContext
from hafeniq_chain.detect.pipeline import DetectionPipeline
from hafeniq_chain.detect.registry import build_detectors
from hafeniq_chain.replay.mev_inspect import bundle_from_mev_inspect

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
BLOCKS_DIR = SHARED / "mev-inspect-py" / "blocks"
ROUNDS = 5


async def _round(raws: list[dict[str, object]]) -> tuple[float, int, list[float]]:
    detectors = build_detectors()
    detect_times: list[float] = []
    traces = 0
    started = time.perf_counter()
    for raw in raws:
        bundle = bundle_from_mev_inspect(raw)
        traces += len(bundle.calls)
        pipeline = DetectionPipeline(detectors, DetectionContext(chain_id=bundle.chain_id))
        t0 = time.perf_counter()
        await pipeline.detect_block(bundle)
        detect_times.append(time.perf_counter() - t0)
    return time.perf_counter() - started, traces, detect_times


def run() -> list[tuple[str, str]]:
    files = sorted(BLOCKS_DIR.glob("*.json"))
    if not files:
        return [("replay", f"no blocks under {BLOCKS_DIR}")]
    raws = [json.loads(p.read_text()) for p in files]
    elapsed, traces, times = 0.0, 0, []
    for _ in range(ROUNDS):
        e, t, d = asyncio.run(_round(raws))
        elapsed, traces, times = elapsed + e, traces + t, times + d
    blocks = len(raws) * ROUNDS
    ms = np.array(times) * 1000
    return [
        ("blocks replayed", f"{blocks} ({len(raws)} x {ROUNDS} rounds)"),
        ("replay throughput", f"{blocks / elapsed:.1f} blocks/s"),
        ("trace throughput", f"{traces / elapsed:,.0f} traces/s"),
        ("detector time / block p50", f"{np.percentile(ms, 50):.2f} ms"),
        ("detector time / block p99", f"{np.percentile(ms, 99):.2f} ms"),
    ]
