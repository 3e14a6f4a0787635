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
