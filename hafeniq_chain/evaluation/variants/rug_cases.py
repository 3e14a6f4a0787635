"""Liquidity-rug variants (creator pulls, soon, buyers stranded) beside ordinary LP exits.

Uniswap V2 pair logs (Transfer of LP tokens, Sync, Mint, Swap, Burn) as the pair emits
them; ages from minutes to weeks, so the absence of an age cliff is measured too.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from eth_abi.abi import encode

from hafeniq_chain.evaluation.variants.chain_blocks import Chain, word

ZERO = "0x" + "00" * 20
ROUTER = "0x" + "20" * 20
TRANSFER = "Transfer(address,address,uint256)"
SYNC, MINT = "Sync(uint112,uint112)", "Mint(address,uint256,uint256)"
SWAP = "Swap(address,uint256,uint256,uint256,uint256,address)"
BURN = "Burn(address,uint256,uint256,address)"
HOUR, DAY = 3600, 86_400


@dataclass
class RugCase:
    name: str
    attack: bool
    chain: Chain
    pull_tx: str


def _addr(rng: random.Random) -> str:
    return "0x" + rng.randbytes(20).hex()


class _Pair:
    def __init__(self, c: Chain, pair: str) -> None:
        self.c, self.pair, self.r = c, pair, (0, 0)
        self.supply = 0

    def _sync(self, h: str) -> None:
        self.c.log(h, self.pair, SYNC, data=encode(["uint112", "uint112"], list(self.r)))

    def lp(self, h: str, src: str, dst: str, amount: int) -> None:
        self.c.log(h, self.pair, TRANSFER, [word("address", src), word("address", dst)],
                   encode(["uint256"], [amount]))

    def add(self, who: str, a0: int, a1: int) -> None:
        h = self.c.tx(who, ROUTER)
        minted = a0 // 10**6 if self.supply == 0 else self.supply * a0 // self.r[0]
        self.lp(h, ZERO, who, minted)
        self.supply += minted
        self.r = (self.r[0] + a0, self.r[1] + a1)
        self._sync(h)
        self.c.log(h, self.pair, MINT, [word("address", ROUTER)],
                   encode(["uint256", "uint256"], [a0, a1]))

    def swap(self, who: str) -> None:
        h = self.c.tx(who, ROUTER, value=10**17)
        out = self.r[0] // 200
        self.r = (self.r[0] - out, self.r[1] + 10**17)
        self._sync(h)
        self.c.log(h, self.pair, SWAP, [word("address", ROUTER), word("address", who)],
                   encode(["uint256"] * 4, [0, 10**17, out, 0]))

    def remove(self, who: str, share_of_pool: float) -> str:
        h = self.c.tx(who, ROUTER)
        amount = int(self.supply * share_of_pool)
        self.lp(h, who, self.pair, amount)
        a0, a1 = int(self.r[0] * share_of_pool), int(self.r[1] * share_of_pool)
        self.r = (self.r[0] - a0, self.r[1] - a1)
        self.supply -= amount
        self._sync(h)
        self.c.log(h, self.pair, BURN, [word("address", ROUTER), word("address", who)],
                   encode(["uint256", "uint256"], [a0, a1]))
        return h


def _pool_life(rng: random.Random, age_s: int, buyers: int, second_lp: float = 0.0
               ) -> tuple[Chain, _Pair, str, str | None]:
    c, creator = Chain(), _addr(rng)
    c.block()
    pair = _Pair(c, _addr(rng))
    pair.add(creator, 10**24, 10**20)
    later = None
    if second_lp:
        c.block(rng.randint(60, max(61, age_s // 4)))
        later = _addr(rng)
        pair.add(later, int(pair.r[0] * second_lp / (1 - second_lp)),
                 int(pair.r[1] * second_lp / (1 - second_lp)))
    for _ in range(buyers):
        c.block(max(12, age_s // (buyers + 2)))
        pair.swap(_addr(rng))
    c.timestamp = c.blocks[0].timestamp + age_s - 12
    c.block()
    return c, pair, creator, later


def rug(seed: int) -> RugCase:
    rng = random.Random(f"rug:{seed}")
    age = int(rng.choice([rng.uniform(300, 2 * HOUR), rng.uniform(2 * HOUR, 30 * HOUR)]))
    c, pair, creator, _ = _pool_life(rng, age, rng.randint(1, 20))
    remover = creator
    if rng.random() < 0.3:  # the creator hands its LP tokens to a fresh wallet first
        remover = _addr(rng)
        pair.lp(c.tx(creator, pair.pair), creator, remover, pair.supply - 10**3)
    h = pair.remove(remover, rng.uniform(0.85, 0.999))
    return RugCase(f"rug_{age // HOUR}h", True, c, h)


def lp_exit_after_days(seed: int) -> RugCase:
    rng = random.Random(f"lpexit:{seed}")
    age = int(rng.uniform(3 * DAY, 30 * DAY))
    c, pair, creator, _ = _pool_life(rng, age, rng.randint(5, 40))
    return RugCase("lp_exit_after_days", False, c, pair.remove(creator, rng.uniform(0.9, 1)))


def later_lp_exit(seed: int) -> RugCase:
    """A later LP takes its own (minority) share out hours after the launch."""
    rng = random.Random(f"laterlp:{seed}")
    share = rng.uniform(0.1, 0.45)
    c, pair, _, later = _pool_life(rng, int(rng.uniform(HOUR, 20 * HOUR)),
                                   rng.randint(2, 20), second_lp=share)
    assert later is not None
    return RugCase("later_lp_exit", False, c, pair.remove(later, share))


def creator_trims_position(seed: int) -> RugCase:
    """The creator takes a minority of the liquidity out; buyers can still exit."""
    rng = random.Random(f"trim:{seed}")
    c, pair, creator, _ = _pool_life(rng, int(rng.uniform(HOUR, 48 * HOUR)),
                                     rng.randint(2, 20))
    return RugCase("creator_trims_position", False, c,
                   pair.remove(creator, rng.uniform(0.05, 0.45)))


ATTACKS = {"liquidity_rug": rug}
LOOKALIKES = {f.__name__: f for f in (lp_exit_after_days, later_lp_exit,
                                      creator_trims_position)}
