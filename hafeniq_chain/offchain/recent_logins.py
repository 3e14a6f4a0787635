"""Each account's latest located logins in memory, for the impossible-travel check.

Why: the check needs the last few logins before a request; asking Postgres for them on
every scored withdrawal cost a round trip (and a pooled connection) per request. Logins
only arrive through ingest, which calls ``forget``; a request older than the newest
remembered login (a replay) is answered from the database, exactly as before.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from datetime import UTC, datetime

import asyncpg

from hafeniq_chain.offchain.travel import GeoPoint

MAX_ACCOUNTS = 100_000
KEEP = 4
_NEWEST = datetime.max.replace(tzinfo=UTC)

_LOGINS = """
SELECT (payload->>'lat')::float8 AS lat, (payload->>'lon')::float8 AS lon, occurred_at
FROM offchain_events WHERE tenant = $1 AND account_id = $2 AND kind = 'login'
  AND payload ? 'lat' AND payload ? 'lon' AND occurred_at <= $3
ORDER BY occurred_at DESC LIMIT $4
"""


class RecentLogins:
    """The ``KEEP`` newest located logins per (tenant, account), oldest first (LRU)."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool
        self._latest: OrderedDict[tuple[str, str], list[GeoPoint]] = OrderedDict()
        # NOTE: bumped by every forget; a load that raced with one is not kept.
        self._generation = 0

    async def before(self, tenant: str, account_id: str, at: datetime) -> list[GeoPoint]:
        """The account's last ``KEEP`` located logins at or before ``at``, oldest first."""
        key = (tenant, account_id)
        latest = self._latest.get(key)
        if latest is None:
            generation = self._generation
            latest = await self._load(tenant, account_id, _NEWEST)
            if generation == self._generation:
                self._latest[key] = latest
                while len(self._latest) > MAX_ACCOUNTS:
                    self._latest.popitem(last=False)
        else:
            self._latest.move_to_end(key)
        if not latest or latest[-1].at <= at:
            return latest
        return await self._load(tenant, account_id, at)

    async def _load(self, tenant: str, account_id: str, at: datetime) -> list[GeoPoint]:
        rows = await self.pool.fetch(_LOGINS, tenant, account_id, at, KEEP)
        return [GeoPoint(r["lat"], r["lon"], r["occurred_at"]) for r in reversed(rows)]

    def forget(self, tenant: str, accounts: Iterable[str]) -> None:
        """Logins were ingested for ``accounts``: read them again when next needed."""
        self._generation += 1
        for account in accounts:
            self._latest.pop((tenant, account), None)
