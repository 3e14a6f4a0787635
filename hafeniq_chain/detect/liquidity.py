"""Liquidity rugs: most of a young pool's liquidity pulled soon after it was added.

Why: a rug pull creates a pool, lets buyers in, then removes the liquidity, leaving buyers
with an unsellable token. Uniswap V2 pairs say it all in their logs: ``Sync`` then ``Mint``
with equal amounts = first liquidity (the pool's birth, no history needed); ``Swap`` = it
attracted trade; ``Sync`` then ``Burn`` = the share of reserves removed. Read from raw
topics so live blocks, store replays and recorded logs behave the same.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import dataclass, field

from eth_utils.crypto import keccak

from hafeniq_chain.decode.records import BlockBundle, LogRecord
from hafeniq_chain.detect.base import DetectionContext, Triggers
from hafeniq_chain.detect.finding import ConfidenceBand, FeatureDelta, Finding, Severity
from hafeniq_chain.detect.reasons import ReasonCode
from hafeniq_chain.detect.stats import Ewma


def _topic(signature: str) -> str:
    return "0x" + keccak(text=signature).hex()


SYNC = _topic("Sync(uint112,uint112)")
MINT = _topic("Mint(address,uint256,uint256)")
BURN = _topic("Burn(address,uint256,uint256,address)")
SWAP = _topic("Swap(address,uint256,uint256,uint256,uint256,address)")


@dataclass(frozen=True)
class RugConfig:
    """What counts as most of the liquidity, young, and fast."""

    min_removed: float = 0.7     # share of reserves removed in one tx
    max_age_s: int = 24 * 3600   # "shortly after being added"
    fast_life_s: int = 3600      # a whole pool life shorter than this is abnormal cadence
    max_pools: int = 100_000


@dataclass
class _Pool:
    reserves: tuple[int, int] = (0, 0)
    born_block: int | None = None
    born_ts: int | None = None
    born_tx: str | None = None
    swaps: int = 0
    swappers: set[str] = field(default_factory=set)


def _words(log: LogRecord, n: int) -> list[int] | None:
    if len(log.data) < 32 * n:
        return None
    return [int.from_bytes(log.data[32 * i: 32 * i + 32], "big") for i in range(n)]


class LiquidityRugDetector:
    """Flags a Burn that removes most of a young pool's reserves."""

    name = "liquidity_rug"
    version = "1"
    triggers = Triggers(blocks=True, topics=frozenset({SYNC, MINT, BURN, SWAP}))

    def __init__(self, config: RugConfig | None = None) -> None:
        self.config = config or RugConfig()
        self._pools: OrderedDict[str, _Pool] = OrderedDict()
        self.lifetime = Ewma(alpha=0.1)  # log10 seconds from birth to unflagged removals

    async def on_pending(self, tx: object, ctx: DetectionContext) -> list[Finding]:
        return []

    async def on_block(self, block: BlockBundle, ctx: DetectionContext) -> list[Finding]:
        senders = {tx.hash: tx.from_addr for tx in block.transactions}
        findings: list[Finding] = []
        for lg in sorted(block.logs, key=lambda lg: lg.log_index):
            if lg.topic0 not in self.triggers.topics:
                continue
            pool = self._pool(lg.address)
            if lg.topic0 == SYNC:
                words = _words(lg, 2)
                pool.reserves = (words[0], words[1]) if words else (0, 0)
            elif lg.topic0 == MINT:
                words = _words(lg, 2)
                if words and pool.born_block is None and tuple(words) == pool.reserves:
                    pool.born_block, pool.born_ts, pool.born_tx = (block.number,
                                                                   block.timestamp, lg.tx_hash)
            elif lg.topic0 == SWAP:
                pool.swaps += 1
                if len(pool.swappers) < 1_000:
                    pool.swappers.add(senders.get(lg.tx_hash, "0x" + lg.topics[-1][-40:]))
            elif lg.topic0 == BURN:
                found = self._burn(block, ctx, lg, pool, senders.get(lg.tx_hash))
                if found is not None:
                    findings.append(found)
        return findings

    def _pool(self, address: str) -> _Pool:
        pool = self._pools.get(address)
        if pool is None:
            pool = self._pools[address] = _Pool()
            if len(self._pools) > self.config.max_pools:
                self._pools.popitem(last=False)
        else:
            self._pools.move_to_end(address)
        return pool

    def _burn(self, block: BlockBundle, ctx: DetectionContext, lg: LogRecord, pool: _Pool,
              sender: str | None) -> Finding | None:
        cfg = self.config
        words = _words(lg, 2)
        if not words:
            return None
        removed = max(a / (a + r) if a + r else 0.0 for a, r in zip(words, pool.reserves,
                                                                   strict=True))
        age = block.timestamp - pool.born_ts if pool.born_ts is not None else None
        if age is None:
            return None
        if removed < cfg.min_removed or age > cfg.max_age_s:
            self.lifetime.update(math.log10(max(age, 1)))  # learn only unflagged removals
            return None
        rugger = sender or ("0x" + lg.topics[1][-40:] if len(lg.topics) > 1 else "")
        learned_fast = self.lifetime.n >= 10 and \
            math.log10(max(age, 1)) < self.lifetime.mean - 3 * self.lifetime.std
        fast = age < cfg.fast_life_s or learned_fast
        codes = (ReasonCode.LIQUIDITY_RUG,) + ((ReasonCode.POOL_CADENCE_ANOMALY,) if fast else ())
        score = min(1.0, 0.6 + 0.25 * removed + 0.02 * min(pool.swaps, 10) + 0.05 * fast)
        deltas = (
            FeatureDelta("liquidity_removed_share", None, removed,
                         f"{removed:.0%} of the pool's reserves removed in one tx"),
            FeatureDelta("pool_age_s", 10 ** self.lifetime.mean if self.lifetime.n else None,
                         float(age), "seconds from first liquidity to removal vs the "
                         "typical age of pools at a removal"),
            FeatureDelta("swaps_before_removal", None, float(pool.swaps),
                         f"swaps by {len(pool.swappers)} address(es) before the pull"),
        )
        return Finding(
            detector=self.name, detector_version=self.version, kind="liquidity_rug",
            score=score, confidence=ConfidenceBand(max(0.0, score - 0.15), score),
            severity=Severity.CRITICAL if pool.swaps else Severity.HIGH, reason_codes=codes,
            summary=f"{removed:.0%} of pool {lg.address}'s liquidity removed {age}s after it "
                    f"was first added, after {pool.swaps} swap(s)",
            dedup_key=f"liquidity_rug:{ctx.chain_id}:{lg.tx_hash}:{lg.log_index}",
            chain_id=ctx.chain_id, entities=tuple(a for a in (rugger, lg.address) if a),
            tx_hashes=tuple(t for t in (pool.born_tx, lg.tx_hash) if t),
            block_from=pool.born_block, block_to=block.number, deltas=deltas,
            details={"correlation_key": f"rug:{ctx.chain_id}:{lg.address}",
                     "pool": lg.address, "rugger": rugger, "swaps": pool.swaps,
                     "swappers": len(pool.swappers), "born_block": pool.born_block},
        )
