"""The whole registry on the 26 real blocks: the newer detectors add nothing unexplained.

Drift stays in warm-up (26 blocks < warmup_blocks), no block carries mint/burn around a
victim (no JIT), replayed blocks have no pending transactions (no SANDWICH_SETUP) and no
searcher brackets swaps in 4 of these non-consecutive blocks (no MEV cluster), so
only the sandwich and arbitrage findings remain; 12775690 gives exactly its one sandwich.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from hafeniq_chain.core.finding import Finding
from hafeniq_chain.detect.base import DetectionContext
from hafeniq_chain.detect.pipeline import DetectionPipeline
from hafeniq_chain.detect.registry import DETECTOR_FACTORIES, build_detectors
from hafeniq_chain.replay.mev_inspect import read_mev_inspect


def _replay(paths: list[Path]) -> list[Finding]:
    async def go() -> list[Finding]:
        pipeline = DetectionPipeline(build_detectors(), DetectionContext(1))
        out: list[Finding] = []
        for p in paths:
            out += await pipeline.detect_block(read_mev_inspect(p))
        return out
    return asyncio.run(go())


def test_registry_has_every_detector_of_issue_5() -> None:
    assert {"sandwich", "arbitrage", "drift", "jit", "sandwich_setup",
            "mev_cluster"} <= set(DETECTOR_FACTORIES)


def test_12775690_through_the_registry_is_exactly_one_sandwich(shared_data: Path) -> None:
    findings = _replay([shared_data / "mev-inspect-py" / "blocks" / "12775690.json"])
    assert [(f.detector, f.kind, len(f.tx_hashes)) for f in findings] == [
        ("sandwich", "sandwich", 6)]


def test_all_blocks_only_sandwiches_and_arbitrages(shared_data: Path) -> None:
    paths = sorted((shared_data / "mev-inspect-py" / "blocks").glob("*.json"))
    findings = _replay(paths)
    assert len(paths) == 26 and findings
    assert {f.detector for f in findings} == {"sandwich", "arbitrage"}
