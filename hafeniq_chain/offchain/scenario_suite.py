"""A seeded off-chain scenario suite: a platform's history, then one live day of benign
requests, look-alikes and attacks, each request labelled.

Why: the engine's figures must come from traffic it was not tuned on (fresh seeds) and
from benign behaviour that resembles the attacks. Attacks: ``wide`` (14 accounts, 25
requests in 150 s, 3 fresh addresses), ``slow`` (8 accounts, 12 requests over 40 min,
2 addresses), ``drip`` (6 accounts, one request every 10-15 min, 1 address),
``takeover_geo`` / ``takeover_nogeo`` (one account: far-away login, new network and
device, an address added minutes before, an odd hour, 6x the usual amount; with and
without the place on the request). Look-alikes: ``exchange`` (15 accounts to their
long-used exchange deposit address within 5 min), ``payday`` (25 accounts within 15
min, up to 1.6x usual), ``new_address`` (an address added minutes or days before, usual
amount), ``family`` (two members to their shared address), ``new_phone`` (a new device
at home), ``traveller`` (a hotel's network in another country, days after the last
login), ``partner`` (a partner's integration key acting for accounts it never served),
``ordinary``; attack ``stolen_key`` (an account's personal API key used from the
attacker's network: three requests to a fresh address, no login, no device).
Attackers' context varies per campaign (device, place, login).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from hafeniq_chain.offchain.synthetic import random_address

HOME = [("DE", 52.52, 13.40), ("FR", 48.85, 2.35), ("GB", 51.50, -0.12), ("ES", 40.42, -3.70),
        ("IT", 41.90, 12.50), ("NL", 52.37, 4.90), ("PL", 52.23, 21.01), ("SE", 59.33, 18.07)]
FAR = [("BR", -23.55, -46.63), ("SG", 1.35, 103.82), ("US", 37.77, -122.42),
       ("NG", 6.52, 3.38), ("VN", 10.82, 106.63)]
HISTORY_DAYS = 60


@dataclass
class Person:
    """One account holder's habits."""

    account: str
    place: tuple[str, float, float]
    asn: int
    ips: list[str]
    agents: list[str]
    hour: float
    amount_log: float
    rate: float
    destinations: list[str]
    key: str | None = None  # a personal API key's fingerprint, for API-using accounts


@dataclass
class Step:
    """Events to ingest, then (optionally) one request to score, at ``at``."""

    at: datetime
    events: list[dict[str, Any]]
    request: dict[str, Any] | None = None
    label: str = ""
    attack: bool = False


@dataclass
class Suite:
    """History events (ingested first) and the live day's steps in time order."""

    history: list[dict[str, Any]] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)


class SuiteBuilder:
    """The population of one seed and the helpers the plays build events with."""

    def __init__(self, seed: int, size: int, day: datetime) -> None:
        self.rng = random.Random(seed)
        self.seed, self.day, self.n = seed, day, 0
        rng = self.rng
        self.exchange = random_address(rng)
        self.people = [self._person(i) for i in range(size)]
        for p in rng.sample(self.people, size * 2 // 5):
            p.destinations.append(self.exchange)
        self.families: list[tuple[list[Person], str]] = []
        for group in range(max(2, size // 40)):
            members = self.people[group * 3:group * 3 + rng.choice((2, 3))]
            shared = random_address(rng)
            for m in members:
                m.destinations.append(shared)
                m.ips, m.asn, m.place = members[0].ips, members[0].asn, members[0].place
            self.families.append((members, shared))
        for i, p in enumerate(self.people):
            if rng.random() < 0.3:
                p.key = f"key-{seed}-{i}"
        # A partner's integration key acts for many accounts from the partner's network.
        self.partner_key = f"key-{seed}-partner"
        self.partner_users = {p.account for p in rng.sample(self.people, size // 8)}
        self.suite = Suite()

    def partner_context(self) -> dict[str, Any]:
        return {"ip": f"192.0.2.{self.rng.randint(1, 20)}", "asn": 7000,
                "api_key_fingerprint": self.partner_key}

    def _person(self, i: int) -> Person:
        rng = self.rng
        return Person(f"u{self.seed}-{i:04d}", rng.choice(HOME), rng.randint(3000, 3999),
                      [f"10.{i % 250}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
                       for _ in range(rng.choice((1, 2)))],
                      [f"ua-{self.seed}-{i}-{k}" for k in range(rng.choice((1, 2)))],
                      rng.uniform(8, 21), math.log(rng.uniform(300, 1500)),
                      rng.uniform(0.3, 0.9), [random_address(rng) for _ in range(3)])

    def poisson(self, mu: float) -> int:
        k, p, limit = 0, 1.0, math.exp(-mu)
        while True:
            p *= self.rng.random()
            if p <= limit:
                return k
            k += 1

    def next_id(self, prefix: str) -> str:
        self.n += 1
        return f"{prefix}-{self.seed}-{self.n}"

    def login(self, p: Person, at: datetime, *, ip: str | None = None, asn: int | None = None,
              agent: str | None = None, place: tuple[str, float, float] | None = None
              ) -> dict[str, Any]:
        rng = self.rng
        country, lat, lon = place or p.place
        return {"event_id": self.next_id("login"), "kind": "login", "account_id": p.account,
                "occurred_at": at.isoformat(), "ip": ip or rng.choice(p.ips),
                "asn": asn or p.asn, "country": country, "lat": lat + rng.uniform(-0.2, 0.2),
                "lon": lon + rng.uniform(-0.2, 0.2),
                "user_agent_hash": agent or rng.choice(p.agents)}

    def added(self, p: Person, destination: str, at: datetime) -> dict[str, Any]:
        return {"event_id": self.next_id("add"), "kind": "address_added", "account_id": p.account,
                "occurred_at": at.isoformat(), "destination": destination}

    def request(self, p: Person, destination: str, amount: float, at: datetime,
                context: dict[str, Any]) -> dict[str, Any]:
        return {"request_id": self.next_id("req"), "account_id": p.account,
                "destination": destination, "asset": "USDT", "amount": f"{amount:.2f}",
                "occurred_at": at.isoformat(), **context}

    def usual_amount(self, p: Person, factor: float = 1.0) -> float:
        return math.exp(self.rng.gauss(p.amount_log, 0.3)) * factor

    def home_context(self, p: Person, agent: str | None = None) -> dict[str, Any]:
        return {"ip": self.rng.choice(p.ips), "asn": p.asn,
                "user_agent_hash": agent or self.rng.choice(p.agents)}

    def at_hour(self, hour: float) -> datetime:
        return self.day + timedelta(hours=min(max(hour, 0.0), 23.9))
