"""Each account's own normal for devices, networks and places, and its added addresses.

Why: a takeover of one account shows as a device, network and country the account never
used, a destination added minutes before the withdrawal; none of it needs other accounts.
Values are kept with the time each was first seen, so "new" means "not seen at least
``established_after_s`` before this request": an attacker's login a minute earlier does
not make the attacker's device the account's own.

Read once per account from every event kind (logins, API use, address_added, requests),
single-flight and LRU-bounded like the withdrawal histories; scored requests add their
own values; an ingest touching the account makes it read again.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import asyncpg

from hafeniq_chain.offchain.single_flight import SingleFlight

MAX_ACCOUNTS = 100_000
ATTRIBUTES = ("user_agent_hash", "ip", "asn", "country")

_PROFILE = """
SELECT x.k, x.v, min(e.occurred_at) AS first_at
FROM offchain_events e
CROSS JOIN LATERAL (VALUES
    ('user_agent_hash', e.payload->>'user_agent_hash'), ('ip', e.payload->>'ip'),
    ('asn', e.payload->>'asn'), ('country', e.payload->>'country'),
    ('added', CASE WHEN e.kind = 'address_added' THEN e.payload->>'destination' END)
) AS x(k, v)
WHERE e.tenant = $1 AND e.account_id = $2 AND x.v IS NOT NULL
GROUP BY 1, 2
"""


@dataclass
class AccountProfile:
    """First-seen time of every value per attribute, and of every added address."""

    seen: dict[str, dict[str, datetime]] = field(
        default_factory=lambda: {a: {} for a in ATTRIBUTES})
    added: dict[str, datetime] = field(default_factory=dict)

    def learn(self, attribute: str, value: str, at: datetime) -> None:
        values = self.seen.setdefault(attribute, {})
        first = values.get(value)
        if first is None or at < first:
            values[value] = at

    def learn_context(self, context: dict[str, Any], at: datetime) -> None:
        """A scored request's own values join the profile (they count after the lag)."""
        for attribute in ATTRIBUTES:
            value = context.get(attribute)
            if value is not None:
                self.learn(attribute, str(value), at)


class AccountProfiles:
    """Profiles by (tenant, account), LRU-bounded; reads are single-flight."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool
        self._profiles: OrderedDict[tuple[str, str], AccountProfile] = OrderedDict()
        self._loads = SingleFlight()
        self._generation = 0  # bumped by every forget: a load that raced one is not kept

    async def get(self, tenant: str, account_id: str) -> AccountProfile:
        key = (tenant, account_id)
        cached = self._profiles.get(key)
        if cached is not None:
            self._profiles.move_to_end(key)
            return cached
        generation = self._generation
        loaded = await self._loads.once(("profile", *key), lambda: self._load(*key))
        if generation != self._generation:
            return loaded
        profile = self._profiles.setdefault(key, loaded)
        while len(self._profiles) > MAX_ACCOUNTS:
            self._profiles.popitem(last=False)
        return profile

    async def _load(self, tenant: str, account_id: str) -> AccountProfile:
        profile = AccountProfile()
        for r in await self.pool.fetch(_PROFILE, tenant, account_id):
            if r["k"] == "added":
                profile.added[r["v"]] = r["first_at"]
            else:
                profile.learn(r["k"], r["v"], r["first_at"])
        return profile

    def forget(self, tenant: str, accounts: Iterable[str]) -> None:
        """Events were ingested for ``accounts``: read them again when next needed."""
        self._generation += 1
        for account in accounts:
            self._profiles.pop((tenant, account), None)
