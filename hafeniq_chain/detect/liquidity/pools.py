"""Uniswap V2 pool lives from raw pair logs: birth, reserves, trade, LP holdings.

Why raw topics: live blocks, store replays and recorded logs behave the same. ``Sync`` then
``Mint`` with amounts equal to the new reserves = first liquidity into an empty pool (its
birth, no history needed); LP-token ``Transfer``s from then on give every holder's share;
``Swap`` = it attracted trade; ``Sync`` then ``Burn`` = the share of reserves removed.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

from eth_utils.crypto import keccak

from hafeniq_chain.decode.normalize import TRANSFER_TOPIC
from hafeniq_chain.decode.records import ZERO_ADDRESS, LogRecord
from hafeniq_chain.decode.swaps import V2_SWAP


def _topic(signature: str) -> str:
    return "0x" + keccak(text=signature).hex()


SYNC = _topic("Sync(uint112,uint112)")
MINT = _topic("Mint(address,uint256,uint256)")
BURN = _topic("Burn(address,uint256,uint256,address)")
APPROVAL = _topic("Approval(address,address,uint256)")
POOL_TOPICS = frozenset({SYNC, MINT, BURN, V2_SWAP})


def words(log: LogRecord, n: int) -> list[int] | None:
    """The first ``n`` data words as integers, None when the data is shorter."""
    if len(log.data) < 32 * n:
        return None
    return [int.from_bytes(log.data[32 * i: 32 * i + 32], "big") for i in range(n)]


def topic_address(log: LogRecord, i: int) -> str:
    return "0x" + log.topics[i][-40:] if len(log.topics) > i else ""


@dataclass
class Pool:
    """What is known of one pair since it was first seen."""

    reserves: tuple[int, int] = (0, 0)
    born_block: int | None = None
    born_ts: int | None = None
    born_tx: str | None = None
    swaps: int = 0
    swappers: set[str] = field(default_factory=set)
    lp: dict[str, int] = field(default_factory=dict)  # LP holders (complete if born seen)
    warned: bool = False  # an imminent-rug finding was raised
    creator_side: set[str] = field(default_factory=set)  # first LP + whom it passed LP to

    def lp_share(self, holder: str) -> float:
        supply = sum(self.lp.values())
        return self.lp.get(holder, 0) / supply if supply else 0.0


class PoolBook:
    """Bounded pool states, updated log by log (block order)."""

    def __init__(self, max_pools: int = 100_000, max_holders: int = 1_000) -> None:
        self.max_pools = max_pools
        self.max_holders = max_holders
        self._pools: OrderedDict[str, Pool] = OrderedDict()

    def get(self, address: str) -> Pool | None:
        return self._pools.get(address)

    def pool(self, address: str) -> Pool:
        found = self._pools.get(address)
        if found is None:
            found = self._pools[address] = Pool()
            if len(self._pools) > self.max_pools:
                self._pools.popitem(last=False)
        else:
            self._pools.move_to_end(address)
        return found

    def apply(self, log: LogRecord, pool: Pool, number: int, timestamp: int,
              swapper: str | None) -> None:
        """Fold one pair log (not Burn/Approval, which the detector judges) into the state."""
        if log.topic0 == SYNC:
            w = words(log, 2)
            pool.reserves = (w[0], w[1]) if w else (0, 0)
        elif log.topic0 == MINT:
            w = words(log, 2)
            if w and pool.born_block is None and tuple(w) == pool.reserves:
                pool.born_block, pool.born_ts, pool.born_tx = number, timestamp, log.tx_hash
                pool.creator_side |= {h for h, v in pool.lp.items() if v > 1000}
                if swapper:
                    pool.creator_side.add(swapper)
        elif log.topic0 == V2_SWAP:
            pool.swaps += 1
            if len(pool.swappers) < self.max_holders:
                pool.swappers.add(swapper or topic_address(log, 2))
        elif log.topic0 == TRANSFER_TOPIC and len(log.topics) == 3:
            w = words(log, 1)
            if w:
                self._move(pool, topic_address(log, 1), topic_address(log, 2), w[0])

    def _move(self, pool: Pool, src: str, dst: str, amount: int) -> None:
        if src in pool.creator_side and dst != ZERO_ADDRESS \
                and len(pool.creator_side) < self.max_holders:
            pool.creator_side.add(dst)  # LP tokens handed on stay the creator's
        if src != ZERO_ADDRESS:
            pool.lp[src] = pool.lp.get(src, 0) - amount
        if dst != ZERO_ADDRESS and (dst in pool.lp or len(pool.lp) < self.max_holders):
            pool.lp[dst] = pool.lp.get(dst, 0) + amount
