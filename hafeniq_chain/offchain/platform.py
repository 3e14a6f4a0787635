"""Platform layer: activity across all accounts of a tenant against its own baseline.

NORMAL -> ELEVATED when several accounts withdraw at once, mostly to new addresses,
far above the platform's usual rate; -> CRITICAL when destinations converge.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import timedelta

import asyncpg

from hafeniq_chain.config import WithdrawalSettings
from hafeniq_chain.offchain.convergence import Convergence, accounts_to_freeze, find_convergences
from hafeniq_chain.offchain.history import (
    WindowSummary,
    destinations_seen_before,
    platform_baseline_counts,
    platform_window,
)
from hafeniq_chain.offchain.types import PlatformState, ScoredWithdrawal

_BASELINE_TTL_S = 300.0


@dataclass(frozen=True)
class PlatformView:
    """What the platform layer saw when scoring one request."""

    state: PlatformState
    concurrent_accounts: int
    concurrent_baseline: float
    new_addr_rate: float
    new_addr_baseline: float
    convergences: list[Convergence]
    freeze_accounts: list[str]
    window: WindowSummary = field(repr=False)

    @property
    def concurrency_delta(self) -> float:
        """Relative change of concurrent accounts vs the expected number in a window."""
        return (self.concurrent_accounts - self.concurrent_baseline) / max(
            self.concurrent_baseline, 0.01)


class PlatformLayer:
    """Computes the platform view; caches the slow baseline per tenant and day."""

    def __init__(self, settings: WithdrawalSettings) -> None:
        self.settings = settings
        self._baselines: dict[tuple[str, int], tuple[float, float, float]] = {}
        # NOTE: once used before some window, an address stays "not fresh" for any later
        # window, so the answer is cached (bounded) instead of asked again per request.
        self._not_fresh: dict[str, set[str]] = {}

    async def _baseline(self, conn: asyncpg.Connection, req: ScoredWithdrawal
                        ) -> tuple[float, float]:
        """(expected accounts per window, platform new-address rate)."""
        day = int(req.occurred_at.timestamp() // 86400)
        cached = self._baselines.get((req.tenant, day))
        if cached and time.monotonic() - cached[2] < _BASELINE_TTL_S:
            return cached[0], cached[1]
        end = req.occurred_at - timedelta(seconds=self.settings.platform_window_s)
        total, new, days = await platform_baseline_counts(
            conn, req.tenant, end - timedelta(days=self.settings.baseline_days), end)
        windows_per_day = 86400 / self.settings.platform_window_s
        expected = total / days / windows_per_day if days else 0.0
        rate = new / total if total else 0.0
        if len(self._baselines) > 10_000:
            self._baselines.clear()
        self._baselines[(req.tenant, day)] = (expected, rate, time.monotonic())
        return expected, rate

    async def view(self, conn: asyncpg.Connection, req: ScoredWithdrawal) -> PlatformView:
        """The platform view including ``req`` (already stored in this transaction)."""
        s = self.settings
        start = req.occurred_at - timedelta(seconds=s.platform_window_s)
        window = await platform_window(conn, req.tenant, start, req.occurred_at)
        expected, base_rate = await self._baseline(conn, req)
        accounts = {w.account_id for w in window.first_sends}
        new_rate = window.new / window.total if window.total else 0.0
        senders: dict[str, set[str]] = {}
        for w in window.first_sends:
            senders.setdefault(w.destination, set()).add(w.account_id)
        # NOTE: only destinations reached by enough accounts can converge; check just those.
        destinations = sorted(d for d, a in senders.items()
                              if len(a) >= s.convergence_min_accounts)
        known = self._not_fresh.setdefault(req.tenant, set())
        unknown = [d for d in destinations if d not in known]
        seen = await destinations_seen_before(conn, req.tenant, unknown, start)
        if len(known) > 1_000_000:
            known.clear()
        known |= seen
        fresh = set(unknown) - seen
        convergences = find_convergences(window.first_sends, fresh, s.convergence_min_accounts)
        state = PlatformState.NORMAL
        if (len(accounts) >= s.elevated_min_accounts and len(accounts) >= 4 * max(expected, 0.1)
                and new_rate >= max(0.5, 3 * base_rate)):
            state = PlatformState.ELEVATED
        if convergences:
            state = PlatformState.CRITICAL
        return PlatformView(state, len(accounts), expected, new_rate, base_rate, convergences,
                            accounts_to_freeze(window.first_sends, convergences), window)
