"""Run the seeded variants through the real detectors and tabulate the outcome.

Per attack family: how many seeds were found (and, for laundering, whether the reported
path is the generated one, hop by hop, up to its exit). Per look-alike: how many seeds
raised a finding of medium severity or above (must be 0), and the worst severity seen.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from hafeniq_chain.core.finding import Finding, Severity
from hafeniq_chain.detect.base import DetectionContext, Detector
from hafeniq_chain.detect.bridge.bridge_drain import BridgeDrainDetector
from hafeniq_chain.detect.bridge.copycat_wave import CopycatWaveDetector
from hafeniq_chain.detect.bridge.fund_tracing import FundTracingDetector
from hafeniq_chain.detect.liquidity.liquidity_rug import LiquidityRugDetector
from hafeniq_chain.detect.settings import DetectSettings
from hafeniq_chain.evaluation.variants import (
    bridge_cases,
    bridge_lookalikes,
    ring_cases,
    rug_cases,
)
from hafeniq_chain.evaluation.variants.bridge_cases import BridgeCase
from hafeniq_chain.evaluation.variants.chain_blocks import Chain

RANK = {s: i for i, s in enumerate(Severity)}
LOUD = RANK[Severity.MEDIUM]


class _Indexed:
    """Opening balances summed from the case's own transfers, as ``IndexedBalances`` sums
    the store's ``edge_events`` (a generated chain starts empty)."""

    def __init__(self, case: BridgeCase) -> None:
        self.case = case

    async def opening(self, escrow: str, token: str, before_block: int) -> int | None:
        return sum((t.amount if t.to_addr == escrow else -t.amount)
                   for b in self.case.chain.blocks if b.number < before_block
                   for t in b.transfers if t.token == token and escrow in (t.to_addr,
                                                                          t.from_addr))


@dataclass
class Row:
    """One family or look-alike over the seeds judged."""

    name: str
    attack: bool
    seeds: int = 0
    hits: int = 0            # attacks found / look-alikes raising medium or above
    worst: str = "-"          # worst severity a look-alike raised (any level)
    failed_seeds: list[int] = field(default_factory=list)


def _detectors(case: BridgeCase, cfg: DetectSettings) -> list[Detector]:
    return [BridgeDrainDetector(cfg.bridge_drain, balances=_Indexed(case)),
            CopycatWaveDetector(cfg.copycat_wave),
            FundTracingDetector(cfg.fund_tracing, watched=case.watched,
                                entity_labels=case.labels)]


def _run(chain: Chain, detectors: list[Detector]) -> list[Finding]:
    ctx = DetectionContext(chain_id=1)

    async def run() -> list[Finding]:
        out: list[Finding] = []
        for block in chain.blocks:
            for d in detectors:
                out += await d.on_block(block, ctx)
        return out

    return asyncio.run(run())


def run_case(case: BridgeCase, cfg: DetectSettings | None = None) -> list[Finding]:
    """Findings of the bridge, copycat and tracing detectors over one case."""
    return _run(case.chain, _detectors(case, cfg or DetectSettings()))


def run_rug_case(case: rug_cases.RugCase, cfg: DetectSettings | None = None
                 ) -> list[Finding]:
    return _run(case.chain, [LiquidityRugDetector((cfg or DetectSettings()).liquidity_rug)])


def found(case: BridgeCase, findings: list[Finding]) -> bool:
    """Did the detectors find this attack the way the case requires?"""
    loud = [f for f in findings if f.kind == case.kind and RANK[f.severity] >= LOUD]
    if case.path:
        return any([(h["from"], h["to"]) for h in f.details["hops"]
                    if h["from"] and not h.get("via")] == case.path for f in loud)
    if case.must_name:
        return any(set(case.must_name) & set(f.tx_hashes) for f in loud)
    return bool(loud)


def _tally(row: Row, seed: int, hit: bool, severities: Iterable[Severity]) -> None:
    row.seeds += 1
    row.hits += hit
    if row.attack != hit:
        row.failed_seeds.append(seed)
    ranks = [RANK[s] for s in severities]
    if ranks and (row.worst == "-" or max(ranks) > RANK[Severity(row.worst)]):
        row.worst = list(Severity)[max(ranks)].value


def evaluate_variants(seeds: Iterable[int], cfg: DetectSettings | None = None) -> list[Row]:
    """Every attack family and look-alike over ``seeds``."""
    cfg = cfg or DetectSettings()
    rows: dict[str, Row] = {}
    gens: list[tuple[str, bool, Callable[[int], BridgeCase]]] = [
        *((n, True, g) for n, g in bridge_cases.ATTACKS.items()),
        *((n, False, g) for n, g in bridge_lookalikes.LOOKALIKES.items())]
    seeds = list(seeds)
    for name, attack, gen in gens:
        row = rows.setdefault(name, Row(name, attack))
        for seed in seeds:
            case = gen(seed)
            findings = run_case(case, cfg)
            hit = found(case, findings) if attack else any(
                RANK[f.severity] >= LOUD for f in findings)
            _tally(row, seed, hit, [f.severity for f in findings])
    rug_gens = {**rug_cases.ATTACKS, **rug_cases.LOOKALIKES}
    for name, rug_gen in rug_gens.items():
        attack = name in rug_cases.ATTACKS
        row = rows.setdefault(name, Row(name, attack))
        for seed in seeds:
            rug = rug_gen(seed)
            fs = run_rug_case(rug, cfg)
            loud = [f for f in fs if RANK[f.severity] >= LOUD]
            hit = any(rug.pull_tx in f.tx_hashes for f in loud) if attack else bool(loud)
            _tally(row, seed, hit, [f.severity for f in fs])
    ring_cfg = cfg.voting_ring
    for kind in (*ring_cases.ATTACKS, *ring_cases.LOOKALIKES):
        attack = kind in ring_cases.ATTACKS
        row = rows.setdefault(f"voting_ring:{kind}", Row(f"voting_ring:{kind}", attack))
        for seed in seeds:
            verdict = ring_cases.judge_ring_case(ring_cases.ring_case(kind, seed), ring_cfg)
            w = ring_cfg.weights
            hit = verdict is not None and verdict[0] >= w.min_score
            _tally(row, seed, hit, [w.severity(*verdict)] if verdict and hit else [])
    return list(rows.values())


def parse_seeds(text: str) -> list[int]:
    """``"100-123"`` or ``"1,2,5"`` (or both, comma-separated) as a list of seeds."""
    seeds: list[int] = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        low, sep, high = part.partition("-")
        if sep:
            if int(high) < int(low):
                raise ValueError(f"empty range {part!r}")
            seeds += range(int(low), int(high) + 1)
        else:
            seeds.append(int(part))
    return seeds
