"""Cross-block sandwiches: the front-run is among the last transactions of block N, the
victims and the back-run open block N+1 in the same pool (a builder of consecutive blocks,
or a bot betting on landing first).

Its own detector and finding kind (``cross_block_sandwich``), never mixed with same-block
sandwiches: the evidence differs (the front-run's position at the end of its block counts,
``tail_txs`` of ``[detect.sandwich_cross_block]``) and so does what a user does about it.
Otherwise the same rules as ``sandwich``: bot identity, intermediaries learned by
behaviour, adjacency, profit, harm and arbitrage legs (``sandwich.judge``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

from pydantic import Field

from hafeniq_chain.core.finding import Finding
from hafeniq_chain.decode.records import BlockBundle, PendingTxRecord, SwapRecord
from hafeniq_chain.detect.base import DetectionContext, Detector, DetectorSettings, Triggers
from hafeniq_chain.detect.mev.intermediaries import IntermediaryBook
from hafeniq_chain.detect.mev.mempool_order import (
    MempoolOrder,
    ReactionGate,
    saw_unless_shared,
    sightings,
)
from hafeniq_chain.detect.mev.sandwich import (
    Sandwich,
    SandwichSettings,
    bracket,
    gated,
    judged,
    sandwich_finding,
)
from hafeniq_chain.detect.mev.swap_order import block_order
from hafeniq_chain.log import get_logger

if TYPE_CHECKING:
    from hafeniq_chain.detect.settings import DetectionSettings

log = get_logger(__name__)


def tail_fronts(swaps: list[SwapRecord], tail_txs: int) -> dict[str, SwapRecord]:
    """Per pool, its last swap of the block when it sits in the block's last ``tail_txs``
    swapping transactions (a candidate front-run for the next block)."""
    ordered = sorted((s for s in swaps if s.error is None), key=block_order)
    tail = list(dict.fromkeys(s.tx_hash for s in ordered))[-tail_txs:]
    last: dict[str, SwapRecord] = {}
    for s in ordered:
        last[s.pool] = s
    return {p: s for p, s in last.items() if s.tx_hash in tail}


class CrossBlockSettings(DetectorSettings):
    """``[detect.sandwich_cross_block]``: how close to the end of its block a front-run
    must be (in swapping transactions); the evidence rules are ``[detect.sandwich]``'s."""

    tail_txs: int = Field(default=3, ge=1, le=1_000)


def cross_block_sandwiches(prev: list[SwapRecord], swaps: list[SwapRecord],
                           settings: SandwichSettings, book: IntermediaryBook,
                           tail_txs: int = 3, mempool: MempoolOrder | None = None
                           ) -> list[Sandwich]:
    """Judged sandwiches opened at the end of ``prev`` and closed in ``swaps``."""
    fronts = tail_fronts(prev, tail_txs)
    ordered = sorted((s for s in swaps if s.error is None), key=block_order)
    found = [s for pool, front in fronts.items()
             if (s := bracket(front, [x for x in ordered if x.pool == pool], book)) is not None]
    return judged(found, [*prev, *swaps], settings,
                  "detect.sandwich_cross_block.shape_rejected", mempool)


class CrossBlockSandwichDetector(Detector):
    name = "sandwich_cross_block"
    version = "1"
    triggers = Triggers(blocks=True, pending=True)
    settings_model = CrossBlockSettings

    def __init__(self, config: SandwichSettings | None = None,
                 own: CrossBlockSettings | None = None) -> None:
        self.config = config or SandwichSettings()
        self.own = own or CrossBlockSettings()
        self.book = self.config.intermediary_book()
        self.prev: BlockBundle | None = None
        self.mempool = MempoolOrder()
        self.gate: ReactionGate[Finding] = ReactionGate()

    @classmethod
    def from_settings(cls, settings: DetectionSettings) -> Self:
        """Judged by ``[detect.sandwich]`` (one set of sandwich rules) plus its own table."""
        return cls(settings.detect.sandwich, settings.detect.sandwich_cross_block)

    async def on_pending(self, tx: PendingTxRecord, ctx: DetectionContext) -> list[Finding]:
        saw_unless_shared(ctx.state, self.mempool, tx)
        return []

    async def on_block(self, block: BlockBundle, ctx: DetectionContext) -> list[Finding]:
        self.book.observe(block.swaps, block.number)
        prev, self.prev = self.prev, block
        if prev is None or prev.number != block.number - 1 or prev.chain_id != block.chain_id:
            return gated(self.gate, sightings(ctx.state, self.mempool), self.config, [])
        txs = {t.hash: t for b in (prev, block) for t in b.transactions}
        seen = sightings(ctx.state, self.mempool)
        found = cross_block_sandwiches(prev.swaps, block.swaps, self.config, self.book,
                                       self.own.tail_txs, seen)
        return gated(self.gate, seen, self.config, [
            (s, sandwich_finding(block, s, self.name, self.version, "cross_block_sandwich",
                                 self.config.unwind_tolerance, self.book, txs, seen))
            for s in found])
