"""API-key fingerprints as entities with their own normal: which accounts a key acts for
and from which networks.

Why: the seed's first threat is stolen API keys, and the fingerprint was stored with
every request but never scored. A key that always acted for one account (a customer's
own trading key) suddenly acting for another, or from a network it never used, is a
signal shared by every request it signs. A key acting for many accounts (a partner's
integration) has new accounts as its normal, so only its networks are judged. As with
account profiles, a value counts once seen ``established_after_s`` before the request.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import asyncpg

from hafeniq_chain.core.finding import FeatureDelta
from hafeniq_chain.core.reasons import ReasonCode
from hafeniq_chain.offchain.single_flight import SingleFlight
from hafeniq_chain.offchain.types import Contribution, ScoredWithdrawal

MAX_KEYS = 50_000
PERSONAL_MAX_ACCOUNTS = 3  # a key acting for more accounts is an integration
_KEY_USE = """
SELECT account_id, payload->>'asn' AS asn, payload->>'ip' AS ip, min(occurred_at) AS first_at
FROM offchain_events
WHERE tenant = $1 AND payload ? 'api_key_fingerprint' AND payload->>'api_key_fingerprint' = $2
GROUP BY 1, 2, 3
"""


@dataclass
class KeyProfile:
    """First-seen times of the accounts and networks (ASN, else IP) a key was used for."""

    accounts: dict[str, datetime] = field(default_factory=dict)
    networks: dict[str, datetime] = field(default_factory=dict)

    def learn(self, account: str | None, network: str | None, at: datetime) -> None:
        for values, value in ((self.accounts, account), (self.networks, network)):
            if value is not None and (value not in values or at < values[value]):
                values[value] = at


def network_of(asn: object, ip: object) -> str | None:
    return f"asn:{asn}" if asn is not None else (f"ip:{ip}" if ip is not None else None)


def key_contributions(req: ScoredWithdrawal, key: KeyProfile, established_after: timedelta
                      ) -> list[Contribution]:
    """A personal key acting for an account, or any key from a network, it never used."""
    established = req.occurred_at - established_after
    accounts = [a for a, t in key.accounts.items() if t <= established]
    networks = [n for n, t in key.networks.items() if t <= established]
    out: list[Contribution] = []
    if 0 < len(accounts) <= PERSONAL_MAX_ACCOUNTS and req.account_id not in accounts:
        out.append(Contribution(ReasonCode.KEY_NEW_ACCOUNT, 200, FeatureDelta(
            "key_accounts", len(accounts), len(accounts) + 1,
            f"API key acts for an account it never acted for ({len(accounts)} before)")))
    network = network_of(req.context.get("asn"), req.context.get("ip"))
    if networks and network is not None and network not in networks:
        out.append(Contribution(ReasonCode.KEY_NEW_NETWORK, 120, FeatureDelta(
            "key_networks", len(networks), len(networks) + 1,
            "API key used from a network it never used")))
    return out


class KeyProfiles:
    """Profiles by (tenant, fingerprint), LRU-bounded, single-flight reads."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool
        self._profiles: OrderedDict[tuple[str, str], KeyProfile] = OrderedDict()
        self._loads = SingleFlight()
        self._generation = 0

    async def get(self, tenant: str, fingerprint: str) -> KeyProfile:
        key = (tenant, fingerprint)
        cached = self._profiles.get(key)
        if cached is not None:
            self._profiles.move_to_end(key)
            return cached
        generation = self._generation
        loaded = await self._loads.once(("key", *key), lambda: self._load(*key))
        if generation != self._generation:
            return loaded
        profile = self._profiles.setdefault(key, loaded)
        while len(self._profiles) > MAX_KEYS:
            self._profiles.popitem(last=False)
        return profile

    async def _load(self, tenant: str, fingerprint: str) -> KeyProfile:
        profile = KeyProfile()
        for r in await self.pool.fetch(_KEY_USE, tenant, fingerprint):
            profile.learn(r["account_id"], network_of(r["asn"], r["ip"]), r["first_at"])
        return profile

    def forget(self, tenant: str, fingerprints: Iterable[str]) -> None:
        """Events signed by these keys were ingested: read them again when next needed."""
        self._generation += 1
        for fingerprint in fingerprints:
            self._profiles.pop((tenant, fingerprint), None)
