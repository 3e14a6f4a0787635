"""Platform layer: activity across all accounts of a tenant against its own baseline.

NORMAL -> ELEVATED when several accounts withdraw at once, mostly to new addresses,
far above the platform's usual rate; -> CRITICAL when destinations converge.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from hafeniq_chain.core.settings import WithdrawalSettings
from hafeniq_chain.offchain.convergence import Convergence, accounts_to_freeze, find_convergences
from hafeniq_chain.offchain.history import (
    Queryable,
    first_stored_uses,
    platform_baseline_counts,
    platform_window,
)
from hafeniq_chain.offchain.live_window import TenantWindow, WindowEntry, summarise
from hafeniq_chain.offchain.single_flight import SingleFlight
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

    @property
    def concurrency_delta(self) -> float:
        """Relative change of concurrent accounts vs the expected number in a window."""
        return (self.concurrent_accounts - self.concurrent_baseline) / max(
            self.concurrent_baseline, 0.01)


class PlatformLayer:
    """Computes the platform view; caches the slow baseline per tenant."""

    def __init__(self, settings: WithdrawalSettings) -> None:
        self.settings = settings
        # tenant -> (expected accounts per window, new-address rate, day, read at)
        self._baselines: dict[str, tuple[float, float, int, float]] = {}
        self._refreshes = SingleFlight()
        self._lookups = SingleFlight()

    async def _baseline(self, conn: Queryable, req: ScoredWithdrawal
                        ) -> tuple[float, float]:
        """(expected accounts per window, platform new-address rate).

        Reading it scans the tenant's whole baseline period; so past its TTL (or past
        midnight) the value in hand keeps serving while one background read replaces it,
        and only a tenant's very first request waits for the read.
        """
        day = int(req.occurred_at.timestamp() // 86400)
        cached = self._baselines.get(req.tenant)
        held = None if cached is None else (
            (cached[0], cached[1]),
            cached[2] != day or time.monotonic() - cached[3] >= _BASELINE_TTL_S)
        return await self._refreshes.held_or_read(
            req.tenant, held, lambda: self._refresh_baseline(conn, req, day))

    async def _refresh_baseline(self, conn: Queryable, req: ScoredWithdrawal,
                                day: int) -> tuple[float, float]:
        end = req.occurred_at - timedelta(seconds=self.settings.platform_window_s)
        total, new, days = await platform_baseline_counts(
            conn, req.tenant, end - timedelta(days=self.settings.baseline_days), end)
        windows_per_day = 86400 / self.settings.platform_window_s
        expected = total / days / windows_per_day if days else 0.0
        rate = new / total if total else 0.0
        self._baselines[req.tenant] = (expected, rate, day, time.monotonic())
        return expected, rate

    async def _first_uses(self, conn: Queryable, tenant: str, destinations: list[str]
                          ) -> dict[str, datetime | None]:
        """Stored first uses; a destination already being looked up is not asked again."""
        async def load(keys: list[tuple[str, str]]) -> dict[tuple[str, str], datetime | None]:
            stored = await first_stored_uses(conn, tenant, [d for _, d in keys])
            return {(tenant, d): at for d, at in stored.items()}

        found = await self._lookups.many([(tenant, d) for d in destinations], load)
        return {d: at for (_, d), at in found.items()}

    async def view(self, conn: Queryable, req: ScoredWithdrawal,
                   window: TenantWindow) -> PlatformView:
        """The platform view over (occurred_at - window, occurred_at], ``req`` included.

        The running counts serve the newest request; an older one is summarised from
        the retained entries, or from the database when those do not reach back enough.
        """
        s = self.settings
        start = req.occurred_at - timedelta(seconds=s.platform_window_s)
        if window.is_current(req.occurred_at):
            accounts, total, new = len(window.accounts), window.total, window.new
            senders = {d: len(window.senders[d]) for d in window.unsettled}
            sends = window.current_entries
        else:
            summary = (summarise(window.slice(start, req.occurred_at))
                       if window.covers(start)
                       else await platform_window(conn, req.tenant, start, req.occurred_at))
            accounts = len({w.account_id for w in summary.first_sends})
            total, new = summary.total, summary.new
            per_destination: dict[str, set[str]] = {}
            for w in summary.first_sends:
                per_destination.setdefault(w.destination, set()).add(w.account_id)
            senders = {d: len(a) for d, a in per_destination.items()}

            def sends() -> list[WindowEntry]:
                return [WindowEntry(w.occurred_at, w.account_id, w.destination,
                                    w.new_destination) for w in summary.first_sends]
        expected, base_rate = await self._baseline(conn, req)
        new_rate = new / total if total else 0.0
        # NOTE: only destinations reached by enough accounts can converge; check just those.
        destinations = sorted(d for d, n in senders.items() if n >= s.convergence_min_accounts)
        # NOTE: a destination's first use only moves earlier (the window's ``add`` keeps it
        # current), so it is asked once per destination, not per request.
        unknown = [d for d in destinations if d not in window.first_use]
        if unknown:
            window.learn_first_use(await self._first_uses(conn, req.tenant, unknown))
        fresh = {d for d in destinations if window.first_use.get(d, start) >= start}
        if window.newest is not None:
            running_start = window.newest - timedelta(seconds=s.platform_window_s)
            for d in destinations:
                if d not in fresh and window.first_use.get(d, running_start) < running_start:
                    window.settle(d)
        convergences: list[Convergence] = []
        freeze: list[str] = []
        if fresh:
            first = summarise([e for e in sends() if e.destination in fresh]).first_sends
            convergences = find_convergences(first, fresh, s.convergence_min_accounts)
            freeze = accounts_to_freeze(first, convergences)
        state = PlatformState.NORMAL
        if (accounts >= s.elevated_min_accounts and accounts >= 4 * max(expected, 0.1)
                and new_rate >= max(0.5, 3 * base_rate)):
            state = PlatformState.ELEVATED
        if convergences:
            state = PlatformState.CRITICAL
        return PlatformView(state, accounts, expected, new_rate, base_rate, convergences,
                            freeze)
