"""The plays of the off-chain scenario suite (``scenario_suite``): history, benign
traffic and look-alikes, and the attacks; ``build_suite`` puts one seed together."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from hafeniq_chain.offchain.scenario_keys import partner, stolen_key
from hafeniq_chain.offchain.scenario_suite import (
    FAR,
    HISTORY_DAYS,
    HOME,
    Person,
    Step,
    Suite,
    SuiteBuilder,
)
from hafeniq_chain.offchain.synthetic import random_address


def _history(b: SuiteBuilder) -> None:
    rng = b.rng
    for p in b.people:
        for day in range(HISTORY_DAYS, 0, -1):
            for _ in range(b.poisson(p.rate)):
                at = b.at_hour(rng.gauss(p.hour, 1.5)) - timedelta(days=day)
                if rng.random() < 0.08:
                    p.destinations.append(random_address(rng))
                    destination = p.destinations[-1]
                    b.suite.history.append(
                        b.added(p, destination, at - timedelta(hours=rng.uniform(0.2, 96))))
                else:
                    destination = rng.choice(p.destinations)
                context = b.home_context(p)
                if p.key is not None and rng.random() < 0.5:
                    context["api_key_fingerprint"] = p.key
                elif p.account in b.partner_users and rng.random() < 0.3:
                    context = b.partner_context()
                else:
                    b.suite.history.append(b.login(p, at - timedelta(minutes=rng.uniform(1, 20))))
                b.suite.history.append({
                    "event_id": b.next_id("hist"), "kind": "withdrawal_request",
                    "account_id": p.account, "occurred_at": at.isoformat(),
                    "destination": destination, "asset": "USDT",
                    "amount": f"{b.usual_amount(p):.2f}", **context})


def _benign(b: SuiteBuilder, p: Person, label: str, at: datetime, destination: str | None = None,
            factor: float = 1.0, agent: str | None = None,
            extra: list[dict[str, Any]] | None = None) -> None:
    login = b.login(p, at - timedelta(minutes=b.rng.uniform(1, 15)), agent=agent)
    request = b.request(p, destination or b.rng.choice(p.destinations[:3]),
                        b.usual_amount(p, factor), at, b.home_context(p, agent))
    b.suite.steps.append(Step(at, [*(extra or []), login], request, label))


def _look_alikes(b: SuiteBuilder, quiet: list[Person]) -> None:
    rng = b.rng
    # NOTE: travellers are away all day: none of them also withdraws from home that day.
    travellers = [p for p in quiet if b.exchange not in p.destinations][:6]
    quiet = [p for p in quiet if p not in travellers]
    for p in quiet:  # ordinary traffic, in each account's habits
        for _ in range(b.poisson(p.rate)):
            _benign(b, p, "ordinary", b.at_hour(rng.gauss(p.hour, 1.5)))
    users = [p for p in quiet if b.exchange in p.destinations]
    start = b.at_hour(rng.uniform(6, 20))
    for p in rng.sample(users, min(15, len(users))):
        _benign(b, p, "exchange", start + timedelta(seconds=rng.uniform(0, 300)), b.exchange)
    start = b.at_hour(rng.uniform(8, 18))
    for p in rng.sample(quiet, 25):
        _benign(b, p, "payday", start + timedelta(seconds=rng.uniform(0, 900)),
                factor=rng.uniform(1.0, 1.6))
    for i, p in enumerate(rng.sample(quiet, 10)):
        at = b.at_hour(rng.gauss(p.hour, 1.0))
        fresh = random_address(rng)
        before = timedelta(minutes=rng.uniform(5, 40)) if i % 2 else timedelta(
            days=rng.uniform(2, 20))
        _benign(b, p, "new_address", at, fresh, extra=[b.added(p, fresh, at - before)])
    for members, shared in b.families:
        start = b.at_hour(rng.uniform(9, 20))
        for m in members[:2]:
            _benign(b, m, "family", start + timedelta(minutes=rng.uniform(0, 30)), shared)
    for p in rng.sample(quiet, 6):
        _benign(b, p, "new_phone", b.at_hour(rng.gauss(p.hour, 1.0)),
                agent=f"ua-new-{b.seed}-{p.account}")
    for p in travellers:  # on a trip: a hotel's network in another country
        at = b.at_hour(rng.gauss(p.hour, 1.0))
        city = rng.choice([h for h in HOME if h[0] != p.place[0]])
        ip, asn = f"172.16.{rng.randint(0, 255)}.{rng.randint(1, 254)}", rng.randint(5000, 5999)
        hotel: dict[str, Any] = {"ip": ip, "asn": asn}
        login = b.login(p, at - timedelta(minutes=10), place=city, ip=ip, asn=asn)
        request = b.request(p, rng.choice(p.destinations[:3]), b.usual_amount(p), at, {
            **hotel, "user_agent_hash": login["user_agent_hash"], "country": city[0],
            "lat": city[1], "lon": city[2]})
        b.suite.steps.append(Step(at, [login], request, "traveller"))


def _campaign(b: SuiteBuilder, name: str, victims: list[Person], times: list[datetime],
              n_destinations: int) -> None:
    """Requests at ``times`` from ``victims`` (in turn) to fresh addresses, from the
    attacker's infrastructure; what context the platform sees varies per campaign."""
    rng = b.rng
    destinations = [random_address(rng) for _ in range(n_destinations)]
    ips = [f"198.51.{rng.randint(0, 255)}.{rng.randint(1, 254)}" for _ in range(4)]
    asn, agent = rng.randint(60000, 65000), f"ua-bot-{b.seed}-{name}"
    place = rng.choice(FAR)
    with_agent, with_place, with_login = (rng.random() < p for p in (0.7, 0.5, 0.7))
    # NOTE: a third of the campaigns go through residential proxies of the victims' own
    # provider and country: only the address is new, the network and place are not.
    proxied = rng.random() < 0.3
    logged_in: set[str] = set()
    for i, at in enumerate(times):
        p = victims[i % len(victims)]
        where = p.place if proxied else place
        context: dict[str, Any] = {"ip": rng.choice(ips), "asn": p.asn if proxied else asn}
        if with_agent:
            context["user_agent_hash"] = agent
        if with_place:
            context.update(country=where[0], lat=where[1], lon=where[2])
        events = []
        if with_login and p.account not in logged_in:
            logged_in.add(p.account)
            events.append(b.login(p, at - timedelta(seconds=rng.uniform(30, 120)),
                                  ip=context["ip"], asn=context["asn"], agent=agent,
                                  place=where))
        request = b.request(p, destinations[i % n_destinations],
                            b.usual_amount(p, rng.uniform(1.5, 5.0)), at, context)
        b.suite.steps.append(Step(at, events, request, name, attack=True))


def _takeover(b: SuiteBuilder, p: Person, name: str, geo_on_request: bool) -> None:
    rng = b.rng
    at = b.at_hour((p.hour + 10) % 24)
    place = rng.choice(FAR)
    ip, asn, agent = f"203.0.{rng.randint(0, 255)}.{rng.randint(1, 254)}", 64999, "ua-ato"
    destination = random_address(rng)
    own = b.login(p, at - timedelta(hours=rng.uniform(1.5, 3)))
    attacker = b.login(p, at - timedelta(minutes=rng.uniform(8, 20)), ip=ip, asn=asn,
                       agent=agent, place=place)
    context: dict[str, Any] = {"ip": ip, "asn": asn, "user_agent_hash": agent}
    if geo_on_request:
        context.update(country=place[0], lat=place[1], lon=place[2])
    request = b.request(p, destination, b.usual_amount(p, 6.0), at, context)
    b.suite.steps.append(Step(datetime.fromisoformat(own["occurred_at"]), [own]))
    b.suite.steps.append(Step(at, [attacker, b.added(p, destination, at - timedelta(
        minutes=rng.uniform(2, 6)))], request, name, attack=True))


def build_suite(seed: int, size: int, day: datetime) -> Suite:
    """History of ``size`` accounts over 60 days before ``day``, then that day's steps."""
    b = SuiteBuilder(seed, size, day)
    _history(b)
    rng: random.Random = b.rng
    family = {m.account for members, _ in b.families for m in members}
    pool = [p for p in b.people if p.account not in family]
    rng.shuffle(pool)
    victims, quiet = pool[:30], pool[30:] + [p for p in b.people if p.account in family]
    start = b.at_hour(rng.uniform(1, 4))
    _campaign(b, "wide", victims[:14], sorted(start + timedelta(seconds=rng.uniform(0, 150))
                                              for _ in range(25)), 3)
    start = b.at_hour(rng.uniform(6, 10))
    _campaign(b, "slow", victims[14:22], [start + timedelta(seconds=200 * i + rng.uniform(
        0, 40)) for i in range(12)], 2)
    start = b.at_hour(rng.uniform(12, 16))
    gaps = [rng.uniform(600, 900) for _ in range(6)]
    _campaign(b, "drip", victims[22:28], [start + timedelta(seconds=sum(gaps[:i]))
                                          for i in range(6)], 1)
    _takeover(b, victims[28], "takeover_geo", True)
    _takeover(b, victims[29], "takeover_nogeo", False)
    thief = next(p for p in quiet if p.key is not None)
    quiet.remove(thief)
    stolen_key(b, thief, b.at_hour(rng.uniform(17, 22)))
    partner(b, quiet, b.at_hour(rng.uniform(9, 17)))
    _look_alikes(b, quiet)
    b.suite.steps.sort(key=lambda s: s.at)
    return b.suite
