"""Account baselines kept between requests of the same account.

Why: a baseline is built from the account's whole window (up to thousands of withdrawals)
and was rebuilt for every request, so scoring cost grew with the account's history and
one busy account (a desk withdrawing every few seconds) slowed all its requests. Over a
90-day window a minute of new requests barely moves the statistics, so the baseline of
an account with enough history is reused for 30 to ``REUSE_S`` seconds (spread, so the
baselines built together after a start do not all expire in the same instant and stall
scoring with a burst of rebuilds); what must stay exact, whether a destination is new to
the account, is brought up to date on every request. A small history, a history changed
other than by appending, or a new day gets a fresh build.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, replace
from datetime import date, datetime

from hafeniq_chain.offchain.baseline import AccountBaseline, build_baseline
from hafeniq_chain.offchain.history import PastWithdrawal

REUSE_S = 60.0
MIN_SAMPLES_TO_REUSE = 30
MAX_ACCOUNTS = 100_000


@dataclass(slots=True)
class _Built:
    baseline: AccountBaseline
    expires_at: float  # monotonic
    day: date
    length: int  # the history it has seen: this many entries, the last one ``last``
    last: PastWithdrawal


class BaselineCache:
    """``get(key, history, now)``: the baseline of ``history`` (oldest first) as of ``now``."""

    def __init__(self, window_days: int) -> None:
        self.window_days = window_days
        self._built: dict[tuple[str, str], _Built] = {}  # oldest first

    def get(self, key: tuple[str, str], history: list[PastWithdrawal], now: datetime
            ) -> AccountBaseline:
        built = self._built.get(key)
        if built is not None and self._extends(built, history, now):
            added = {w.destination for w in history[built.length:]}
            unknown = added - built.baseline.known_destinations
            if unknown:
                built.baseline = replace(
                    built.baseline,
                    known_destinations=built.baseline.known_destinations | unknown)
            built.length, built.last = len(history), history[-1]
            return built.baseline
        baseline = build_baseline(history, now, self.window_days)
        self._built.pop(key, None)
        if baseline.samples >= MIN_SAMPLES_TO_REUSE:
            reuse = REUSE_S * random.uniform(0.5, 1.0)
            self._built[key] = _Built(baseline, time.monotonic() + reuse, now.date(),
                                      len(history), history[-1])
            if len(self._built) > MAX_ACCOUNTS:
                del self._built[next(iter(self._built))]
        return baseline

    @staticmethod
    def _extends(built: _Built, history: list[PastWithdrawal], now: datetime) -> bool:
        """Is ``history`` the one ``built`` saw plus newer entries, on the same day and
        within ``REUSE_S``?"""
        return (time.monotonic() < built.expires_at and now.date() == built.day
                and len(history) >= built.length
                and history[built.length - 1] == built.last)
