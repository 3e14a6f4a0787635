"""Per-account baseline: what ordinary withdrawals of one account look like.

Computed from the account's own history over a window (90 days by default): daily
frequency, hour-of-day profile, log-amount median and spread, the rate at which it
sends to addresses it never used before, and how machine-regular its timing is.
"""

from __future__ import annotations

import itertools
import math
import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta

from hafeniq_chain.offchain.history import PastWithdrawal

MIN_HISTORY = 5


@dataclass(frozen=True)
class AccountBaseline:
    """The account's normal, plus the full set of destinations it has used."""

    history_days: float
    samples: int
    daily_freq: float
    hour_profile: tuple[float, ...]
    log_amount_median: float
    log_amount_scale: float
    new_addr_rate: float
    script_prob: float
    known_destinations: frozenset[str]

    @property
    def covered(self) -> bool:
        """Enough history to judge the account against itself."""
        return self.samples >= MIN_HISTORY

    def hour_probability(self, hour: int) -> float:
        """Smoothed share of withdrawals in ``hour`` and its two neighbours, per hour."""
        p = self.hour_profile
        return (p[(hour - 1) % 24] + p[hour] + p[(hour + 1) % 24]) / 3


def script_probability(times: list[datetime]) -> float:
    """Share of consecutive gaps that are near-identical (within 2%) and under an hour.

    Humans are irregular; a script firing on a timer is not.
    """
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(times)]
    short = [g for g in gaps if 0 < g < 3600]
    if len(short) < 3:
        return 0.0
    regular = sum(1 for a, b in itertools.pairwise(short)
                  if abs(a - b) <= 0.02 * max(a, b))
    return regular / (len(short) - 1)


def build_baseline(history: list[PastWithdrawal], now: datetime,
                   window_days: int) -> AccountBaseline:
    """The baseline of ``history`` (oldest first) as of ``now``."""
    known = frozenset(w.destination for w in history)
    start = now - timedelta(days=window_days)
    seen: set[str] = set()
    window: list[tuple[PastWithdrawal, bool]] = []
    for w in history:
        if w.occurred_at >= start:
            window.append((w, w.destination not in seen))
        seen.add(w.destination)
    history_days = (now - history[0].occurred_at).total_seconds() / 86400 if history else 0.0
    span = max(min(history_days, float(window_days)), 1.0)
    # NOTE: plain Python on purpose: built for every scored request, and numpy's per-call
    # overhead dominated on histories of tens to hundreds of withdrawals.
    hours = [0.5] * 24
    for w, _ in window:
        hours[w.occurred_at.hour] += 1
    amounts = [math.log1p(float(w.amount)) for w, _ in window] or [0.0]
    median = statistics.median(amounts)
    mad = statistics.median([abs(a - median) for a in amounts]) * 1.4826
    total = sum(hours)
    return AccountBaseline(
        history_days=history_days, samples=len(window), daily_freq=len(window) / span,
        hour_profile=tuple(h / total for h in hours),
        log_amount_median=median, log_amount_scale=max(mad, 0.25),
        new_addr_rate=(sum(1 for _, new in window if new) / len(window)) if window else 1.0,
        script_prob=script_probability([w.occurred_at for w, _ in window]),
        known_destinations=known)
