"""Combine Findings into one risk score with a confidence band, in log-odds space.

Each finding's score is read as a probability that the entity is under attack. Evidence
adds in log-odds relative to a prior, scaled by the detector's weight (its calibrated
precision: a detector analysts often mark as false positive counts for less):

    logit(P) = logit(prior) + sum_i w_d(i) * (logit(p_i) - logit(prior))

Only the strongest finding per (detector, kind) counts, so one detector repeating itself
cannot inflate the score. The band fuses the findings' own low and high bounds the same
way. Everything is deterministic: the same findings give the same score, in any order.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from hafeniq_chain.core.finding import Finding

PRIOR = 0.05
_EPS = 1e-4


def logit(p: float) -> float:
    p = min(1 - _EPS, max(_EPS, p))
    return math.log(p / (1 - p))


def sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


@dataclass(frozen=True)
class Contribution:
    """How much one finding moved the fused log-odds (what orders the reasons)."""

    detector: str
    kind: str
    weight: float
    log_odds: float
    finding: Finding


@dataclass(frozen=True)
class FusedRisk:
    """Risk in 0..1000 with its band, and the contributions sorted largest first."""

    score: int
    low: int
    high: int
    contributions: tuple[Contribution, ...]

    @property
    def reason_codes(self) -> list[str]:
        seen: list[str] = []
        for c in self.contributions:
            for code in c.finding.reason_codes:
                if code.value not in seen:
                    seen.append(code.value)
        return seen


def _strongest(findings: Sequence[Finding]) -> list[Finding]:
    best: dict[tuple[str, str], Finding] = {}
    for f in findings:
        key = (f.detector, f.kind)
        if key not in best or (f.score, f.dedup_key) > (best[key].score, best[key].dedup_key):
            best[key] = f
    return [best[k] for k in sorted(best)]


def fuse(findings: Sequence[Finding], weights: Mapping[str, float] | None = None,
         prior: float = PRIOR) -> FusedRisk:
    """Fuse findings (any order) into one risk; weights default to 1 per detector."""
    weights = weights or {}
    base = logit(prior)
    total, low, high = base, base, base
    contributions = []
    for f in _strongest(findings):
        w = weights.get(f.detector, 1.0)
        delta = w * (logit(f.score) - base)
        total += delta
        low += w * (logit(f.confidence.low) - base)
        high += w * (logit(f.confidence.high) - base)
        contributions.append(Contribution(f.detector, f.kind, w, delta, f))
    contributions.sort(key=lambda c: (-c.log_odds, c.detector, c.kind))
    score = _to_1000(total)
    return FusedRisk(score, min(score, _to_1000(low)), max(score, _to_1000(high)),
                     tuple(contributions))


def _to_1000(log_odds: float) -> int:
    return round(1000 * sigmoid(log_odds))
