"""Just-in-time liquidity: an actor adds liquidity to a pool right before someone else's
swap in that pool and removes it right after, harvesting the fee without market risk.

Liquidity events are read from either source, like swaps: Uniswap V2/V3 ``Mint``/``Burn``
logs, Uniswap V4 ``ModifyLiquidity`` (positive delta adds, negative removes; the pool is
its id, as for V4 swaps) or pool ``mint``/``burn`` calls in traces. The actor is the
transaction sender.

A JIT provider reacts to a pending swap: with a mempool feed, a mint that was already
public before every swap it would have "caught" is an ordinary liquidity provider who
happened to withdraw later in the block (the dense benign world has those), not JIT.
"""

from __future__ import annotations

from dataclasses import dataclass

from hafeniq_chain.core.finding import ConfidenceBand, Finding, Severity
from hafeniq_chain.core.reasons import ReasonCode
from hafeniq_chain.decode.log_swaps import V4_MODIFY_LIQUIDITY
from hafeniq_chain.decode.records import BlockBundle, LogRecord, PendingTxRecord
from hafeniq_chain.detect.base import DetectionContext, Detector, Triggers
from hafeniq_chain.detect.liquidity.pools import BURN as V2_BURN
from hafeniq_chain.detect.liquidity.pools import MINT as V2_MINT
from hafeniq_chain.detect.mev.mempool_order import (
    MempoolOrder,
    ReactionGate,
    saw_unless_shared,
    sightings,
)

MINT_TOPICS = frozenset({
    "0x7a53080ba414158be7ec69b987b5fb7d07dee101fe85488f0853ae16239d0bde",  # V3 Mint
    V2_MINT,
})
BURN_TOPICS = frozenset({
    "0x0c396cd989a39f4459b5fa1aed6a9a8dcdbc45908acfd67e028cd568da98982c",  # V3 Burn
    V2_BURN,
})
MINT_SELECTORS = frozenset({"0x3c8a7d8d", "0x6a627842"})  # V3 mint(...), V2 mint(address)
BURN_SELECTORS = frozenset({"0xa34123a7", "0x89afcb44"})  # V3 burn(...), V2 burn(address)


@dataclass(frozen=True)
class LiquidityEvent:
    tx_index: int
    tx_hash: str
    pool: str
    actor: str
    kind: str  # "mint" | "burn"


@dataclass(frozen=True)
class JitLiquidity:
    pool: str
    actor: str
    mint_tx: str
    victim_txs: tuple[str, ...]
    burn_tx: str


def _kind_and_pool(log: LogRecord) -> tuple[str | None, str]:
    if log.topic0 == V4_MODIFY_LIQUIDITY and len(log.topics) >= 2 and len(log.data) >= 96:
        delta = int.from_bytes(log.data[64:96], "big", signed=True)
        return ("mint" if delta > 0 else "burn" if delta < 0 else None), log.topics[1]
    return ("mint" if log.topic0 in MINT_TOPICS else
            "burn" if log.topic0 in BURN_TOPICS else None), log.address


def liquidity_events(block: BlockBundle) -> list[LiquidityEvent]:
    """Mints and burns from logs and from trace calls (deduplicated per tx, pool, kind)."""
    senders = {tx.hash: tx.from_addr for tx in block.transactions}
    for call in block.calls:
        if call.trace_address == ():
            senders.setdefault(call.tx_hash, call.from_addr)
    seen: dict[tuple[str, str, str], LiquidityEvent] = {}
    for log in block.logs:
        kind, pool = _kind_and_pool(log)
        if kind and log.tx_hash in senders:
            seen.setdefault((log.tx_hash, pool, kind), LiquidityEvent(
                log.tx_index, log.tx_hash, pool, senders[log.tx_hash], kind))
    for call in block.calls:
        kind = ("mint" if call.selector in MINT_SELECTORS else
                "burn" if call.selector in BURN_SELECTORS else None)
        if kind and call.to_addr and call.error is None and call.tx_hash in senders:
            seen.setdefault((call.tx_hash, call.to_addr, kind), LiquidityEvent(
                call.tx_index, call.tx_hash, call.to_addr, senders[call.tx_hash], kind))
    return sorted(seen.values(), key=lambda e: e.tx_index)


def get_jit_liquidity(block: BlockBundle) -> list[JitLiquidity]:
    """Mint at tx i, other actors' swaps in the same pool at i < k < j, burn at j, one actor."""
    events = liquidity_events(block)
    found: list[JitLiquidity] = []
    for mint in (e for e in events if e.kind == "mint"):
        burn = next((e for e in events if e.kind == "burn" and e.pool == mint.pool
                     and e.actor == mint.actor and e.tx_index > mint.tx_index), None)
        if burn is None:
            continue
        victims = tuple(dict.fromkeys(
            s.tx_hash for s in sorted(block.swaps, key=lambda s: s.tx_index)
            if s.pool == mint.pool and mint.tx_index < s.tx_index < burn.tx_index
            and s.tx_from != mint.actor and s.error is None))
        if victims:
            found.append(JitLiquidity(mint.pool, mint.actor, mint.tx_hash, victims, burn.tx_hash))
    return found


class JitDetector(Detector):
    name = "jit"
    version = "2"
    triggers = Triggers(blocks=True, pending=True)

    def __init__(self) -> None:
        self.mempool = MempoolOrder()
        self.gate: ReactionGate[Finding] = ReactionGate()

    async def on_pending(self, tx: PendingTxRecord, ctx: DetectionContext) -> list[Finding]:
        saw_unless_shared(ctx.state, self.mempool, tx)
        return []

    async def on_block(self, block: BlockBundle, ctx: DetectionContext) -> list[Finding]:
        found = [(j, Finding(
            detector=self.name, detector_version=self.version, kind="jit_liquidity",
            score=0.8, confidence=ConfidenceBand(0.7, 0.9), severity=Severity.MEDIUM,
            reason_codes=(ReasonCode.JIT_LIQUIDITY,),
            summary=(f"{j.actor} added liquidity to {j.pool} just before "
                     f"{len(j.victim_txs)} swap(s) and removed it right after"),
            dedup_key=f"jit:{block.number}:{j.mint_tx}:{j.burn_tx}", chain_id=block.chain_id,
            entities=(j.actor, j.pool), tx_hashes=(j.mint_tx, *j.victim_txs, j.burn_tx),
            block_from=block.number, block_to=block.number,
            details={"actors": [j.actor], "pool": j.pool}))
            for j in get_jit_liquidity(block)]
        # NOTE: judged by the mint's arrival against the swaps it caught (``ReactionGate``).
        return self.gate.admit(sightings(ctx.state, self.mempool),
                               [(f, j.mint_tx, j.victim_txs) for j, f in found])
