"""Benign users as pure data: wallets with habits and the seeded sequence of their intents.

Nothing here touches the chain, so "same seed -> same intents" is a plain equality and the
driver (traffic.py) only turns intents into transactions. Habits: each wallet has a home
hour (daily rhythm), a favourite token, a heavy-tailed (Pareto) swap size, a regular payee
and a mix of action kinds; a few wallets are LPs, bridge users or governance voters.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from eth_utils.crypto import keccak

KINDS = ("buy", "sell", "transfer", "eth_transfer", "add_lp", "remove_lp", "bridge_deposit",
         "bridge_withdrawal", "propose")
SWAP_TOKENS = ("TKA", "TKB", "HUSD", "HGOV")


def wallet_address(seed: int, index: int) -> str:
    """Deterministic, key-less address of benign wallet ``index`` (driven by impersonation)."""
    return "0x" + keccak(text=f"hafeniq-benign:{seed}:{index}")[-20:].hex()


@dataclass(frozen=True)
class Habit:
    """How one wallet behaves."""

    address: str
    home_hour: float          # peak of its daily activity (UTC hours)
    token: str                # favourite swap token
    swap_scale_eth: float     # Pareto scale of swap sizes
    payee: str                # regular transfer counterparty
    weights: tuple[float, ...]  # over KINDS


@dataclass(frozen=True)
class Intent:
    """One thing a wallet wants to do at a (simulated) time; ``amount`` in token units."""

    t: int
    wallet: str
    kind: str
    token: str
    amount: int
    counterparty: str
    votes: int = 0  # for "propose": how many voters follow


def make_habits(seed: int, n_wallets: int) -> list[Habit]:
    rng = random.Random(seed)
    addrs = [wallet_address(seed, i) for i in range(n_wallets)]
    habits = []
    for i, a in enumerate(addrs):
        lp = i % 25 == 0
        bridger = i % 10 == 3
        w = [4.0, 3.0, 2.0, 1.0, 1.5 if lp else 0.0, 1.0 if lp else 0.0,
             1.5 if bridger else 0.0, 1.0 if bridger else 0.0, 0.8 if i % 20 == 7 else 0.0]
        habits.append(Habit(a, rng.uniform(0, 24), rng.choice(SWAP_TOKENS),
                            rng.uniform(0.02, 0.3), addrs[rng.randrange(n_wallets)], tuple(w)))
    return habits


def _daily_weight(hour: float, home: float) -> float:
    """Activity around a wallet's home hour; never zero (night owls exist)."""
    return 0.15 + math.exp(-(((hour - home + 12) % 24 - 12) ** 2) / 18.0)


def make_intents(seed: int, habits: list[Habit], n_tx: int, hours: float) -> list[Intent]:
    """``n_tx`` intents spread over ``hours`` with daily rhythms, sorted by time.

    ``t`` is seconds after a UTC midnight, so the sequence depends on the seed only.
    """
    rng = random.Random(seed * 7919 + 1)
    out: list[Intent] = []
    span = int(hours * 3600)
    while len(out) < n_tx:
        h = habits[rng.randrange(len(habits))]
        t = rng.randrange(span)
        if rng.random() * 1.15 > _daily_weight(t / 3600 % 24, h.home_hour):
            continue  # thinning: keeps the per-wallet daily rhythm
        kind = rng.choices(KINDS, weights=h.weights)[0]
        size_eth = min(h.swap_scale_eth * rng.paretovariate(1.6), 50.0)
        wei = int(size_eth * 10**18)
        token = h.token
        if kind in ("transfer", "bridge_deposit", "bridge_withdrawal"):
            token = "HUSDC" if kind != "transfer" else token
        amount = {"buy": wei, "eth_transfer": wei // 10}.get(kind, wei * 100)
        if token == "HUSDC":
            amount //= 10**12
        votes = rng.randint(3, 9) if kind == "propose" else 0
        out.append(Intent(t, h.address, kind, token, amount, h.payee, votes))
    out.sort(key=lambda i: (i.t, i.wallet))
    return out
