"""A synthetic population of ordinary withdrawing users, for tests, benchmarks and demos.

Each account has its own rate, preferred hour, usual amount and a few habitual
destinations it mostly reuses (about 8% of withdrawals go to a new address, which
then becomes habitual). Deterministic for a given seed.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any


def random_address(rng: random.Random) -> str:
    return "0x" + "".join(rng.choice("0123456789abcdef") for _ in range(40))


@dataclass
class SyntheticAccount:
    """One ordinary user's habits."""

    account_id: str
    daily_rate: float
    hour_mean: float
    amount_log_mean: float
    destinations: list[str] = field(default_factory=list)


def make_population(size: int, seed: int, first_id: int = 160000000) -> list[SyntheticAccount]:
    """``size`` accounts with varied habits."""
    rng = random.Random(seed)
    return [SyntheticAccount(str(first_id + i), rng.uniform(0.3, 0.9), rng.uniform(8, 21),
                             math.log(rng.uniform(300, 1500)),
                             [random_address(rng) for _ in range(3)]) for i in range(size)]


def _poisson(rng: random.Random, mu: float) -> int:
    k, p, limit = 0, 1.0, math.exp(-mu)
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def benign_withdrawals(accounts: list[SyntheticAccount], start: datetime, days: int,
                       seed: int, new_addr_rate: float = 0.08) -> list[dict[str, Any]]:
    """Withdrawal events (API shape) over ``days`` from ``start``, in time order."""
    rng = random.Random(seed)
    out: list[dict[str, Any]] = []
    for day in range(days):
        midnight = start + timedelta(days=day)
        for acc in accounts:
            for _ in range(_poisson(rng, acc.daily_rate)):
                hour = min(max(rng.gauss(acc.hour_mean, 1.5), 0.0), 23.99)
                if rng.random() < new_addr_rate:
                    acc.destinations.append(random_address(rng))
                    destination = acc.destinations[-1]
                else:
                    destination = rng.choice(acc.destinations)
                amount = math.exp(rng.gauss(acc.amount_log_mean, 0.3))
                at = midnight + timedelta(hours=hour)
                out.append({"event_id": f"h-{acc.account_id}-{at.timestamp():.0f}-{len(out)}",
                            "kind": "withdrawal_request", "account_id": acc.account_id,
                            "occurred_at": at.isoformat(), "destination": destination,
                            "asset": "USDT", "amount": f"{amount:.2f}"})
    out.sort(key=lambda e: str(e["occurred_at"]))
    return out
