"""The API-key plays of the off-chain scenario suite: a stolen personal key, and its
look-alike, a partner's integration key acting for accounts it never served."""

from __future__ import annotations

from datetime import datetime, timedelta

from hafeniq_chain.offchain.scenario_suite import Person, Step, SuiteBuilder
from hafeniq_chain.offchain.synthetic import random_address


def stolen_key(b: SuiteBuilder, victim: Person, start: datetime) -> None:
    """Three requests over 20 minutes signed by the victim's own key, from the attacker's
    network, to one fresh address; no login, no device, no place."""
    rng = b.rng
    destination = random_address(rng)
    context = {"ip": f"198.18.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
               "asn": rng.randint(60000, 65000), "api_key_fingerprint": victim.key}
    for i in range(3):
        at = start + timedelta(minutes=10 * i + rng.uniform(0, 3))
        request = b.request(victim, destination, b.usual_amount(victim, rng.uniform(1.5, 4.0)),
                            at, dict(context))
        b.suite.steps.append(Step(at, [], request, "stolen_key", attack=True))


def partner(b: SuiteBuilder, quiet: list[Person], start: datetime) -> None:
    """The partner's key acts for eight accounts within an hour, half of them accounts it
    never served, to their usual addresses and amounts."""
    rng = b.rng
    served = [p for p in quiet if p.account in b.partner_users]
    others = [p for p in quiet if p.account not in b.partner_users]
    for p in rng.sample(served, min(4, len(served))) + rng.sample(others, 4):
        at = start + timedelta(minutes=rng.uniform(0, 60))
        request = b.request(p, rng.choice(p.destinations[:3]), b.usual_amount(p), at,
                            b.partner_context())
        b.suite.steps.append(Step(at, [], request, "partner"))
