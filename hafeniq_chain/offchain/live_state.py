"""The scoring engine's memory: account histories and platform windows, read once from
Postgres and then kept current by every scored request and every ingested event.

Postgres stays the source of truth: a cache entry missing or dropped (``forget``) is read
again. Loads are single-flight, so a burst of requests for one account costs one query.
Only this process's writes are seen; replicas scoring for the same tenant would each need
their own invalidation (noted in the README as a scale-out limit).
"""

from __future__ import annotations

import bisect
from collections import OrderedDict
from datetime import datetime, timedelta
from decimal import Decimal

import asyncpg

from hafeniq_chain.offchain.history import WINDOW_ROW_COLUMNS, PastWithdrawal
from hafeniq_chain.offchain.live_window import TenantWindow, WindowEntry
from hafeniq_chain.offchain.single_flight import SingleFlight

MAX_ACCOUNTS = 100_000

_WINDOW_ROWS = f"""
SELECT {WINDOW_ROW_COLUMNS}
FROM offchain_events e
WHERE e.tenant = $1 AND e.kind = 'withdrawal_request' AND e.occurred_at > $2
ORDER BY e.occurred_at
"""
_HISTORY = """
SELECT payload->>'destination' AS dst, payload->>'amount' AS amount, occurred_at
FROM offchain_events WHERE tenant = $1 AND account_id = $2 AND kind = 'withdrawal_request'
ORDER BY occurred_at DESC LIMIT $3
"""


class LiveState:
    """Per-account withdrawal histories (LRU) and per-tenant platform windows."""

    def __init__(self, pool: asyncpg.Pool, window: timedelta, history_limit: int = 5000
                 ) -> None:
        self.pool = pool
        self.width = window
        self.history_limit = history_limit
        self.histories: OrderedDict[tuple[str, str], list[PastWithdrawal]] = OrderedDict()
        self.windows: dict[str, TenantWindow] = {}
        self._loads = SingleFlight()

    async def history(self, tenant: str, account_id: str) -> list[PastWithdrawal]:
        """Every stored withdrawal of the account (most recent ``history_limit``), by time."""
        key = (tenant, account_id)
        cached = self.histories.get(key)
        if cached is not None:
            self.histories.move_to_end(key)
            return cached

        async def load() -> list[PastWithdrawal]:
            rows = await self.pool.fetch(_HISTORY, tenant, account_id, self.history_limit)
            return [PastWithdrawal(account_id, r["dst"] or "", Decimal(r["amount"] or 0),
                                   r["occurred_at"]) for r in reversed(rows)]

        loaded = await self._loads.once(key, load)
        cached = self.histories.setdefault(key, loaded)
        while len(self.histories) > MAX_ACCOUNTS:
            self.histories.popitem(last=False)
        return cached

    async def window(self, tenant: str, at: datetime) -> TenantWindow:
        """The tenant's window, loaded from two widths before ``at`` on first use."""
        cached = self.windows.get(tenant)
        if cached is not None:
            return cached

        async def load() -> TenantWindow:
            start = at - 2 * self.width
            rows = await self.pool.fetch(_WINDOW_ROWS, tenant, start)
            window = TenantWindow(self.width)
            window.complete_from = start
            for r in rows:
                window.add(WindowEntry(r["occurred_at"], r["account_id"] or "",
                                       r["dst"] or "", bool(r["new"])))
            return window

        loaded = await self._loads.once(("window", tenant), load)
        return self.windows.setdefault(tenant, loaded)

    def record(self, tenant: str, withdrawal: PastWithdrawal) -> None:
        """A scored request joins its account's history and the tenant's window."""
        history = self.histories.get((tenant, withdrawal.account_id))
        if history is not None:
            if history and history[-1].occurred_at > withdrawal.occurred_at:
                bisect.insort(history, withdrawal, key=lambda w: w.occurred_at)
            else:
                history.append(withdrawal)
        window = self.windows.get(tenant)
        if window is not None:
            window.add(self._entry(withdrawal))

    @staticmethod
    def _entry(withdrawal: PastWithdrawal) -> WindowEntry:
        return WindowEntry(withdrawal.occurred_at, withdrawal.account_id,
                           withdrawal.destination, withdrawal.new_destination)

    def unrecord(self, tenant: str, withdrawal: PastWithdrawal) -> None:
        """Undo ``record`` for a request found to be a duplicate at write time."""
        history = self.histories.get((tenant, withdrawal.account_id))
        if history is not None and withdrawal in history:
            history.remove(withdrawal)
        window = self.windows.get(tenant)
        if window is not None:
            window.remove(self._entry(withdrawal))

    def forget(self, tenant: str, accounts: set[str]) -> None:
        """Events were ingested for ``accounts``: read them (and the window) again."""
        for account in accounts:
            self.histories.pop((tenant, account), None)
        self.windows.pop(tenant, None)
