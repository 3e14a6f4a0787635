"""Seeded, labelled MEV variants and named near-misses, as decoded swaps (no node).

Every case is one or two blocks of ordinary traffic (direct swaps, router swaps, multi-hop
routes, 300 users, so the same wallet often trades twice) with one labelled shape in it:

- variants (a sandwich the detectors must report exactly: same front-run, victims,
  back-run): ``one_eoa``, ``bot_contract_multi_eoa`` (legs sent by different operators of
  one bot contract), ``partial_exit``, ``inventory_sell``, ``multi_victim``, ``sell_side``,
  ``token1_side`` (the bot buys the pool's token0, whichever side WETH is), ``multihop_victim``,
  ``multihop_frontrun``, ``multi_pool_bundle``, ``losing_sandwich`` (the bot misjudged
  and lost money: still an attack on the victim), ``cross_block`` (front-run last in block
  N, victim and back-run first in N+1: kind ``cross_block_sandwich``);
- near-misses (nothing to report): ``no_victim_round_trip``, ``opposite_direction_middle``,
  ``same_tokens_other_pool``, ``shared_token_other_pool``, ``router_intermediary`` (one
  user's sell and another's buy through a public router around a third user's sell),
  ``arbitrage_backrun`` (an arbitrage bot's two cycles around a large swap),
  ``slow_round_trip`` (a wallet's buy and later sell with the market moving both ways in
  between), ``cross_block_not_last``, ``busy_block`` (100-300 swaps, many per pool).

Bots do what their simulation says pays: sizes are redrawn until the sandwich is
profitable (except ``losing_sandwich``, a bot that misjudged a small victim). Seeds split
into ``TUNE_SEEDS`` (looked at while building the rules) and ``JUDGE_SEEDS`` (only ever
scored).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from hafeniq_chain.decode.records import BlockBundle, PendingTxRecord, SwapRecord
from hafeniq_chain.evaluation.mev_market import (
    GWEI,
    BlockBuilder,
    Built,
    Market,
    Pool,
    address,
)
from hafeniq_chain.evaluation.mev_market import ExpectedSandwich as ExpectedSandwich
from hafeniq_chain.evaluation.mev_near_misses import (
    arbitrage_backrun,
    busy_block,
    router_intermediary,
    slow_round_trip,
    trader_bracket,
)

TUNE_SEEDS = tuple(range(0, 10))
JUDGE_SEEDS = tuple(range(1000, 1030))
Family = Literal["variant", "near_miss"]


@dataclass
class MevCase:
    name: str
    family: Family
    seed: int
    blocks: list[BlockBundle]
    expected: list[ExpectedSandwich] = field(default_factory=list)
    pending: list[list[PendingTxRecord]] = field(default_factory=list)  # seen before block i

    @property
    def labelled_txs(self) -> set[str]:
        return {h for e in self.expected for h in (e.frontrun, e.backrun, *e.victims)}

    @property
    def benign_swaps(self) -> int:
        labelled = self.labelled_txs
        return sum(1 for b in self.blocks for s in b.swaps if s.tx_hash not in labelled)


def _profitable(pool: Pool, tin: str, front: int, victims: list[int], share: float) -> bool:
    """Would the bot make money? (its simulation, on a copy of the pool)."""
    sim = Pool(pool.address, pool.tokens, dict(pool.r), pool.fee_bps)
    tout = pool.other(tin)

    def do(token: str, amount: int) -> int:
        out = sim.quote(token, amount)
        sim.r[token] += amount
        sim.r[sim.other(token)] -= out
        return out

    bought = do(tin, front)
    for v in victims:
        do(tin, v)
    sold = int(bought * share)
    got = do(tout, sold)
    return got * min(bought, sold) / sold > front * min(bought, sold) / bought


@dataclass
class Bot:
    """Who sends the legs: one EOA, or a contract driven by several operators."""

    operators: list[str]
    contract: str | None = None

    @classmethod
    def make(cls, rng: random.Random, contract: bool) -> Bot:
        ops = [address(rng) for _ in range(rng.randint(2, 4) if contract else 1)]
        return cls(ops, address(rng) if contract else None)

    @property
    def holder(self) -> str:
        return self.contract or self.operators[0]

    def front_op(self) -> str:
        return self.operators[0]

    def back_op(self) -> str:
        return self.operators[-1]


def _share(rng: random.Random, kind: str) -> float:
    return {"full": rng.uniform(0.97, 1.0), "partial": rng.uniform(0.3, 0.8),
            "inventory": rng.uniform(1.2, 2.0)}[kind]


def _plan(m: Market, pool: Pool, tin: str, n_victims: int, share: float,
          losing: bool = False) -> tuple[int, list[int]]:
    """Sizes the bot's simulation accepts (``losing``: a misjudged, money-losing one)."""
    rng = m.rng
    for _ in range(200):
        victims = [m.size(pool, tin, 0.005, 0.04) for _ in range(n_victims)]
        front = int(sum(victims) * rng.uniform(0.3, 2.0))
        if losing:
            victims = [v // 20 for v in victims]
        if _profitable(pool, tin, front, victims, share) != losing:
            return front, victims
    raise RuntimeError("no profitable sandwich found (generator bug)")


def _sandwich(m: Market, number: int, *, sell: bool = False, victims: int = 1,
              contract: bool = False, back: str = "full", token1: bool = False,
              multihop_victim: bool = False, losing: bool = False) -> Built:
    rng = m.rng
    b = BlockBuilder(number, rng)
    m.background(b, rng.randint(10, 60))
    pool = m.pools[rng.choice([k for k in m.pools if k.startswith("w") and k != "w0b"])]
    token = pool.other(m.weth)
    tin = token if sell else m.weth
    if token1:
        tin = pool.tokens[1]  # buy token0 whichever side WETH is on
    bot = Bot.make(rng, contract)
    share = _share(rng, back)
    front_in, victim_in = _plan(m, pool, tin, victims, share, losing)
    tip = rng.randint(20, 90) * GWEI
    front = b.swap(b.tx(bot.front_op(), bot.contract or pool.address, tip,
                        private=rng.random() < 0.7), pool, tin, front_in,
                   sender=bot.holder, recipient=bot.holder)
    hits = []
    for amount in victim_in:
        user = rng.choice(m.users)
        tx = b.tx(user, rng.choice(m.routers), rng.randint(1, 5) * GWEI)
        if multihop_victim and tin == m.weth:
            other = m.pools[rng.choice([k for k in m.pools if k.startswith("w")
                                        and m.pools[k] is not pool and k != "w0b"])]
            t_other = other.other(m.weth)
            first = b.swap(tx, other, t_other, other.amount_for(t_other, amount),
                           sender=user, recipient=pool.address)
            hits.append(b.swap(tx, pool, m.weth, first.amount_out, sender=other.address,
                               recipient=user))
        else:
            hits.append(b.swap(tx, pool, tin, amount, sender=user, recipient=user))
    if not b.txs[front.tx_index].private:  # a public front-run reacted to the victim
        b.txs[front.tx_index].arrival = b.txs[hits[0].tx_index].arrival + rng.uniform(0.01, 1)
    sold = int(front.amount_out * share)
    back_tx = b.tx(bot.back_op(), bot.contract or pool.address, 1, private=True)
    backrun = b.swap(back_tx, pool, pool.other(tin), sold, sender=bot.holder,
                     recipient=bot.holder)
    m.background(b, rng.randint(10, 60))
    return [b], [ExpectedSandwich("sandwich", pool.address, front.tx_hash,
                                           tuple(v.tx_hash for v in hits), backrun.tx_hash)]


def _multihop_frontrun(m: Market, number: int) -> Built:
    """WETH -> T0 (pool w0) -> T1 (pool t01) and back; the victim trades T0 -> T1."""
    rng = m.rng
    b = BlockBuilder(number, rng)
    m.background(b, rng.randint(10, 60))
    entry, target = m.pools["w0"], m.pools["t01"]
    t0, t1 = m.tokens[0], m.tokens[1]
    bot = Bot.make(rng, True)
    _, victim_in = _plan(m, target, t0, 1, 1.0)
    for _ in range(200):
        weth_in = m.size(entry, m.weth, 0.002, 0.05)
        if _profitable(target, t0, entry.quote(m.weth, weth_in), victim_in, 1.0):
            break
    tx = b.tx(bot.front_op(), bot.contract, 50 * GWEI, private=True)
    hop = b.swap(tx, entry, m.weth, weth_in, sender=bot.holder, recipient=target.address)
    front = b.swap(tx, target, t0, hop.amount_out, sender=entry.address, recipient=bot.holder)
    user = rng.choice(m.users)
    victim = b.swap(b.tx(user, target.address), target, t0, victim_in[0])
    tx = b.tx(bot.back_op(), bot.contract, 1, private=True)
    backrun = b.swap(tx, target, t1, front.amount_out, sender=bot.holder,
                     recipient=entry.address)
    b.swap(tx, entry, t0, backrun.amount_out, sender=target.address, recipient=bot.holder)
    m.background(b, rng.randint(10, 60))
    return [b], [ExpectedSandwich("sandwich", target.address, front.tx_hash,
                                           (victim.tx_hash,), backrun.tx_hash)]


def _multi_pool_bundle(m: Market, number: int) -> Built:
    """One bot contract front-runs two pools in one transaction, a victim in each."""
    rng = m.rng
    b = BlockBuilder(number, rng)
    m.background(b, rng.randint(10, 60))
    pools = [m.pools[k] for k in rng.sample(["w1", "w2", "w3", "w4"], 2)]
    bot = Bot.make(rng, True)
    plans = [_plan(m, p, m.weth, 1, 1.0) for p in pools]
    tx = b.tx(bot.front_op(), bot.contract, 60 * GWEI, private=True)
    fronts = [b.swap(tx, p, m.weth, plan[0], sender=bot.holder, recipient=bot.holder)
              for p, plan in zip(pools, plans, strict=True)]
    victims = [b.swap(b.tx(u := rng.choice(m.users), rng.choice(m.routers)), p, m.weth,
                      plan[1][0], sender=u, recipient=u)
               for p, plan in zip(pools, plans, strict=True)]
    tx = b.tx(bot.back_op(), bot.contract, 1, private=True)
    backs = [b.swap(tx, p, p.other(m.weth), f.amount_out, sender=bot.holder,
                    recipient=bot.holder) for p, f in zip(pools, fronts, strict=True)]
    m.background(b, rng.randint(10, 60))
    return [b], [ExpectedSandwich("sandwich", p.address, f.tx_hash, (v.tx_hash,),
                                           k.tx_hash)
                          for p, f, v, k in zip(pools, fronts, victims, backs, strict=True)]


def _cross_block(m: Market, number: int, last: bool = True) -> Built:
    rng = m.rng
    pool = m.pools[rng.choice(["w1", "w2", "w3", "w4"])]
    bot = Bot.make(rng, rng.random() < 0.5)
    b1 = BlockBuilder(number, rng)
    m.background(b1, rng.randint(10, 60))
    front_in, victim_in = _plan(m, pool, m.weth, 1, 1.0)
    front = b1.swap(b1.tx(bot.front_op(), bot.contract or pool.address, 1, private=True),
                    pool, m.weth, front_in, sender=bot.holder, recipient=bot.holder)
    if not last:  # the "front-run" is an ordinary trade mid-block
        m.background(b1, rng.randint(10, 30), [p for p in m.pools.values() if p is not pool])
    b2 = BlockBuilder(number + 1, rng)
    user = rng.choice(m.users)
    victim = b2.swap(b2.tx(user, pool.address), pool, m.weth, victim_in[0])
    backrun = b2.swap(b2.tx(bot.back_op(), bot.contract or pool.address, 1, private=True),
                      pool, pool.other(m.weth), front.amount_out, sender=bot.holder,
                      recipient=bot.holder)
    m.background(b2, rng.randint(10, 60))
    expected = [ExpectedSandwich("cross_block_sandwich", pool.address, front.tx_hash,
                                 (victim.tx_hash,), backrun.tx_hash)] if last else []
    return [b1, b2], expected




CASES: dict[str, tuple[Family, Callable[[Market, int], Built]]] = {
    "one_eoa": ("variant", lambda m, n: _sandwich(m, n)),
    "bot_contract_multi_eoa": ("variant", lambda m, n: _sandwich(m, n, contract=True)),
    "partial_exit": ("variant", lambda m, n: _sandwich(m, n, contract=True, back="partial")),
    "inventory_sell": ("variant", lambda m, n: _sandwich(m, n, back="inventory")),
    "multi_victim": ("variant", lambda m, n: _sandwich(m, n, contract=True,
                                                         victims=m.rng.randint(2, 5))),
    "sell_side": ("variant", lambda m, n: _sandwich(m, n, sell=True, contract=True)),
    "token1_side": ("variant", lambda m, n: _sandwich(m, n, token1=True)),
    "multihop_victim": ("variant", lambda m, n: _sandwich(m, n, contract=True,
                                                            multihop_victim=True)),
    "multihop_frontrun": ("variant", _multihop_frontrun),
    "losing_sandwich": ("variant", lambda m, n: _sandwich(m, n, losing=True)),
    "multi_pool_bundle": ("variant", _multi_pool_bundle),
    "cross_block": ("variant", lambda m, n: _cross_block(m, n)),
    "no_victim_round_trip": ("near_miss", lambda m, n: trader_bracket(m, n, "none")),
    "opposite_direction_middle": ("near_miss", lambda m, n: trader_bracket(m, n, "opposite")),
    "same_tokens_other_pool": ("near_miss", lambda m, n: trader_bracket(m, n, "same_tokens")),
    "shared_token_other_pool": ("near_miss",
                                lambda m, n: trader_bracket(m, n, "shared_token")),
    "router_intermediary": ("near_miss", router_intermediary),
    "arbitrage_backrun": ("near_miss", arbitrage_backrun),
    "slow_round_trip": ("near_miss", slow_round_trip),
    "cross_block_not_last": ("near_miss", lambda m, n: _cross_block(m, n, last=False)),
    "busy_block": ("near_miss", busy_block),
}


def make_case(name: str, seed: int, first_block: int = 100) -> MevCase:
    """One labelled case; the same (name, seed) always gives the same blocks."""
    family, build = CASES[name]
    market = Market.make(random.Random(f"mev:{name}:{seed}"))
    builders, expected = build(market, first_block)
    return MevCase(name, family, seed, [b.bundle() for b in builders], expected,
                   [b.pending() for b in builders])


def all_cases(seeds: tuple[int, ...] | list[int]) -> list[MevCase]:
    return [make_case(name, seed) for seed in seeds for name in CASES]


def swaps_of(case: MevCase) -> list[SwapRecord]:
    return [s for b in case.blocks for s in b.swaps]
