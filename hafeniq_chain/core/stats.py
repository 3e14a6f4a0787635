"""Streaming statistics shared by detectors and monitors: EWMA and Page's CUSUM.

All are small, pure and serialisable (``to_state``/``from_state``) so baselines can be
stored in the ``baselines`` table and survive restarts.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any


@dataclass
class Ewma:
    """Exponentially weighted mean and variance (West's incremental form)."""

    alpha: float = 0.1
    mean: float = 0.0
    var: float = 0.0
    n: int = 0

    def update(self, x: float) -> None:
        if self.n == 0:
            self.mean, self.var = x, 0.0
        else:
            diff = x - self.mean
            incr = self.alpha * diff
            self.mean += incr
            self.var = (1 - self.alpha) * (self.var + diff * incr)
        self.n += 1

    @property
    def std(self) -> float:
        return math.sqrt(self.var)

    def to_state(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> Ewma:
        return cls(**state)


@dataclass
class Cusum:
    """One-sided (upward) CUSUM on standardised values (Page, 1954).

    S_t = max(0, S_{t-1} + z_t - k); alarm when S_t > h, then restart at 0. ``k`` is the
    allowance (half the shift to detect, in standard deviations), ``h`` the decision
    interval: larger h = fewer false alarms, later detection.
    """

    k: float = 0.5
    h: float = 5.0
    s: float = 0.0

    def update(self, z: float) -> bool:
        self.s = max(0.0, self.s + z - self.k)
        if self.s > self.h:
            self.s = 0.0
            return True
        return False


def shannon_entropy(counts: dict[Any, int] | list[int]) -> float:
    """Shannon entropy in bits of a histogram (0 for empty or single-bucket histograms)."""
    values = [c for c in (counts.values() if isinstance(counts, dict) else counts) if c > 0]
    total = sum(values)
    if total == 0:
        return 0.0
    return max(0.0, -sum((c / total) * math.log2(c / total) for c in values))


def robust_z(x: float, values: list[float]) -> float:
    """(x - median) / (1.4826 * MAD): a z-score that a few outliers cannot inflate."""
    if not values:
        return 0.0
    ordered = sorted(values)
    mid = len(ordered) // 2
    median = ordered[mid] if len(ordered) % 2 else 0.5 * (ordered[mid - 1] + ordered[mid])
    deviations = sorted(abs(v - median) for v in ordered)
    mad = (deviations[mid] if len(deviations) % 2
           else 0.5 * (deviations[mid - 1] + deviations[mid]))
    scale = 1.4826 * mad
    if scale == 0:
        return 0.0 if x == median else math.copysign(math.inf, x - median)
    return (x - median) / scale


@dataclass
class BlendedBaseline:
    """A recent and a long EWMA blended into one expectation.

    The recent window follows legitimate regime changes quickly, the long window keeps
    memory of normal; the blend (``weight`` on recent) decays old behaviour without
    forgetting it. Callers must not ``update`` with flagged activity.
    """

    recent: Ewma
    long: Ewma
    weight: float = 0.3

    @classmethod
    def new(cls, recent_alpha: float = 0.2, long_alpha: float = 0.02) -> BlendedBaseline:
        return cls(Ewma(alpha=recent_alpha), Ewma(alpha=long_alpha))

    def update(self, x: float) -> None:
        self.recent.update(x)
        self.long.update(x)

    @property
    def n(self) -> int:
        return self.long.n

    @property
    def mean(self) -> float:
        return self.weight * self.recent.mean + (1 - self.weight) * self.long.mean

    @property
    def std(self) -> float:
        return max(self.recent.std, self.long.std)

    def to_state(self) -> dict[str, Any]:
        return {"recent": self.recent.to_state(), "long": self.long.to_state(),
                "weight": self.weight}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> BlendedBaseline:
        return cls(Ewma.from_state(state["recent"]), Ewma.from_state(state["long"]),
                   float(state["weight"]))
