"""Loading and keeping each tenant's ``TenantDestinations`` (``destination_watch``).

Read from Postgres once per tenant (the senders of the last ``convergence_horizon_s``,
the converged destinations of incidents younger than two half-lives), then kept current
by every scored request and every ingested withdrawal request. Stored
first uses (on the platform, and on chain when the entity graph has the address) are
looked up only for a destination that enough accounts reached.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

import asyncpg

from hafeniq_chain.core.settings import WithdrawalSettings
from hafeniq_chain.offchain.destination_watch import TenantDestinations
from hafeniq_chain.offchain.history import first_stored_uses
from hafeniq_chain.offchain.incident import KEY_PREFIX
from hafeniq_chain.offchain.single_flight import SingleFlight

_SENDERS = """
SELECT account_id, payload->>'destination' AS dst, min(occurred_at) AS first_at
FROM offchain_events
WHERE tenant = $1 AND kind = 'withdrawal_request' AND occurred_at > $2 AND occurred_at <= $3
GROUP BY 1, 2 ORDER BY 3
"""
_FLAGS = """
SELECT id, entities, COALESCE((details->>'first_event_at')::timestamptz, opened_at) AS at
FROM incidents WHERE correlation_key = $1
  AND COALESCE((details->>'last_event_at')::timestamptz, updated_at) > $2
ORDER BY id
"""


# NOTE: when the chain side indexes the destination, its first block counts as a use: an
# address active on chain for months is not fresh however new it is to the platform.
_ONCHAIN_FIRST_SEEN = """
SELECT b.timestamp FROM entities e
JOIN blocks b ON b.chain_id = e.chain_id AND b.number = e.first_seen_block
WHERE e.chain_id = $1 AND e.address = $2
"""


class DestinationWatch:
    """Every tenant's destination memory; loads are single-flight."""

    def __init__(self, pool: asyncpg.Pool, settings: WithdrawalSettings, chain_id: int = 0
                 ) -> None:
        self.pool = pool
        self.chain_id = chain_id
        self.settings = settings
        self.horizon = timedelta(seconds=settings.convergence_horizon_s)
        self._tenants: dict[str, TenantDestinations] = {}
        self._loads = SingleFlight()
        self._lookups = SingleFlight()

    async def tenant(self, tenant: str, at: datetime) -> TenantDestinations:
        """The tenant's memory, read from Postgres (as of ``at``) on first use."""
        cached = self._tenants.get(tenant)
        if cached is not None:
            return cached
        loaded = await self._loads.once(("destinations", tenant), lambda: self._load(tenant, at))
        return self._tenants.setdefault(tenant, loaded)

    async def _load(self, tenant: str, at: datetime) -> TenantDestinations:
        s = self.settings
        memory = TenantDestinations(self.horizon, float(s.converged_half_life_s))
        for r in await self.pool.fetch(_SENDERS, tenant, at - self.horizon, at):
            memory.record(r["account_id"] or "", r["dst"] or "", r["first_at"])
        oldest = at - timedelta(seconds=2 * s.converged_half_life_s)
        for r in await self.pool.fetch(_FLAGS, KEY_PREFIX + tenant, oldest):
            accounts = {e for e in r["entities"] if not e.startswith("0x")}
            for destination in (e for e in r["entities"] if e.startswith("0x")):
                memory.flag(destination, r["at"], int(r["id"]), accounts)
        return memory

    async def look_up_first_use(self, tenant: str, memory: TenantDestinations,
                                destination: str) -> None:
        """Learn when anyone on the platform first sent to ``destination`` (once)."""
        if destination in memory.first_use:
            return

        async def load() -> datetime | None:
            offchain = (await first_stored_uses(self.pool, tenant, [destination]))[destination]
            onchain = await self.pool.fetchval(_ONCHAIN_FIRST_SEEN, self.chain_id, destination)
            known = [t for t in (offchain, onchain) if t is not None]
            return min(known) if known else None

        stored = await self._lookups.once((tenant, destination), load)
        in_memory = [t for t in memory.senders.get(destination, {}).values()]
        known = [t for t in (stored, *in_memory) if t is not None]
        memory.first_use[destination] = min(known) if known else None

    def ingested(self, tenant: str, withdrawals: Iterable[tuple[str, str, datetime]]) -> None:
        """Withdrawal requests stored through ingest (account, destination, time) join the
        tenant's memory when it is loaded (a later load reads them from Postgres)."""
        memory = self._tenants.get(tenant)
        if memory is None:
            return
        for account, destination, at in withdrawals:
            memory.record(account, destination, at)
