"""The scoring engine's memory: account histories and platform windows, read once from
Postgres and then kept current by every scored request and every ingested event.

Postgres stays the source of truth: a cache entry missing or dropped (``forget``) is read
again. Loads are single-flight, so a burst of requests for one account costs one query.
Only this process's writes are seen; replicas scoring for the same tenant would each need
their own invalidation (noted in the README as a scale-out limit).
"""

from __future__ import annotations

import asyncio
import bisect
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar, cast

import asyncpg

from hafeniq_chain.offchain.history import WINDOW_ROW_COLUMNS, PastWithdrawal
from hafeniq_chain.offchain.live_window import TenantWindow, WindowEntry

MAX_ACCOUNTS = 100_000
T = TypeVar("T")

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
        self._loading: dict[Any, asyncio.Future[Any]] = {}

    async def _once(self, key: Any, load: Callable[[], Awaitable[T]]) -> T:
        """Run ``load`` once for concurrent callers asking for the same key."""
        pending = self._loading.get(key)
        if pending is not None:
            return cast(T, await asyncio.shield(pending))
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._loading[key] = future
        try:
            value = await load()
            future.set_result(value)
            return value
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: waiters re-raise it, nobody logs "never retrieved"
            raise
        finally:
            del self._loading[key]

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

        loaded = await self._once(key, load)
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

        loaded = await self._once(("window", tenant), load)
        return self.windows.setdefault(tenant, loaded)

    @staticmethod
    def before(history: list[PastWithdrawal], at: datetime) -> list[PastWithdrawal]:
        """The part of a time-ordered history strictly before ``at``."""
        return history[:bisect.bisect_left([w.occurred_at for w in history], at)] \
            if history and history[-1].occurred_at >= at else history

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
            window.add(WindowEntry(withdrawal.occurred_at, withdrawal.account_id,
                                   withdrawal.destination, withdrawal.new_destination))

    def unrecord(self, tenant: str, withdrawal: PastWithdrawal) -> None:
        """Undo ``record`` for a request found to be a duplicate at write time."""
        history = self.histories.get((tenant, withdrawal.account_id))
        if history is not None and withdrawal in history:
            history.remove(withdrawal)
        self.windows.pop(tenant, None)

    def forget(self, tenant: str, accounts: set[str]) -> None:
        """Events were ingested for ``accounts``: read them (and the window) again."""
        for account in accounts:
            self.histories.pop((tenant, account), None)
        self.windows.pop(tenant, None)
