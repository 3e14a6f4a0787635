"""Sandwiches in mined blocks: a bot buys before its victims in one pool and direction and
sells after them, in the same block (cross-block ones: ``sandwich_cross_block``).

Identity is the bot, not the account: the legs are tied when one account sent both, or
when one contract received the front-run's output and paid the back-run's input (a bot
contract driven by several operator accounts). That contract must not be an
intermediary (``intermediaries``: routers, aggregators, pools, anything many unrelated
senders route through, learned by behaviour; the known routers only seed it), otherwise a
router would "sandwich" its own users. Any back-run size is accepted and named in
``details.back_run``: ``full``, ``partial`` (front-heavy exit), ``inventory`` (back-heavy).

A tied shape is reported when the evidence agrees (``judge``; each rule a setting, so an
evaluation can switch one off and measure what it costs and buys):

- adjacency: no one else's opposite-direction swap between the legs in that pool (real
  bundles are contiguous; a trader's buy and later sell with the market moving both ways
  between them is not a bracket);
- attacker profit over the legs (``sandwich_evidence.matched_profit``): a figure and the
  finding's severity, not a requirement (``require_profit`` off by default): bots misjudge,
  and the world's bot lost money on 3 of 20 seeds, which a profit rule would drop;
- victim harm > 0 where reserves are known (``sandwich_evidence.victim_harm``);
- the front-run does not close a profitable arbitrage cycle in its own transaction;
- when the mempool was watched: the front-run was not already public before all of its
  victims (``mempool_order``: a front-run reacts to its victim; a trader's buy that was
  pending before the others' swaps arrived did not).

Shapes (and mev-inspect-py's definition, ``find_sandwiches``) are in ``sandwich_shapes``,
the finding's figures in ``sandwich_report``; both re-exported here.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence

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
from hafeniq_chain.detect.mev.sandwich_evidence import (
    backrun_size,
    in_arbitrage,
    matched_profit,
    total_harm,
)
from hafeniq_chain.detect.mev.sandwich_report import sandwich_finding as sandwich_finding
from hafeniq_chain.detect.mev.sandwich_shapes import ROUTERS as ROUTERS
from hafeniq_chain.detect.mev.sandwich_shapes import Sandwich as Sandwich
from hafeniq_chain.detect.mev.sandwich_shapes import bot_sandwiches as bot_sandwiches
from hafeniq_chain.detect.mev.sandwich_shapes import bracket as bracket
from hafeniq_chain.detect.mev.sandwich_shapes import find_sandwiches as find_sandwiches
from hafeniq_chain.log import get_logger

log = get_logger(__name__)
UNWIND_TOLERANCE = 0.1  # |sold - bought| / bought within this: a "full" back-run


class SandwichSettings(DetectorSettings):
    """``[detect.sandwich]`` (also read by ``sandwich_cross_block`` and ``sandwich_setup``):
    how intermediaries are learned, which evidence is required, what a full back-run is."""

    unwind_tolerance: float = Field(default=UNWIND_TOLERANCE, ge=0, le=10)
    routers: frozenset[str] = frozenset()
    intermediary_min_senders: int = Field(default=6, ge=2, le=10_000)
    intermediary_window_blocks: int = Field(default=2_000, ge=1, le=1_000_000)
    require_adjacent: bool = True
    require_profit: bool = False  # bots misjudge: 3/20 of the world's sandwiches lose
    require_harm: bool = True
    reject_arbitrage_legs: bool = True
    require_reaction: bool = True

    @property
    def known_routers(self) -> frozenset[str]:
        return ROUTERS | {r.lower() for r in self.routers}

    def intermediary_book(self) -> IntermediaryBook:
        return IntermediaryBook(self.known_routers, self.intermediary_min_senders,
                                self.intermediary_window_blocks)


def unwinds(s: Sandwich, tolerance: float = UNWIND_TOLERANCE) -> bool:
    """Does the back-run sell (about) what the front-run bought?"""
    return backrun_size(s.frontrun, s.backrun, tolerance) == "full"


def judge(s: Sandwich, swaps: Sequence[SwapRecord], settings: SandwichSettings,
          bundle_profit: bool | None = None, mempool: MempoolOrder | None = None
          ) -> list[str]:
    """Why a tied shape is not a sandwich (empty: it is one).

    ``bundle_profit``: whether the bot profited in any pool of the same front/back pair
    (a multi-hop front-run pays fees in its routing pool and profits in the target one;
    mainnet block 12914944); None = this sandwich's own profit.
    """
    why = []
    if settings.require_adjacent and s.interleaved:
        why.append("interleaved")
    profitable = matched_profit(s.frontrun, s.backrun) > 0 if bundle_profit is None \
        else bundle_profit
    if settings.require_profit and not profitable:
        why.append("no_profit")
    harm, _ = total_harm(s.frontrun, s.victims)
    if settings.require_harm and harm is not None and harm <= 0:
        why.append("no_victim_harm")
    if settings.reject_arbitrage_legs and in_arbitrage(s.frontrun, swaps):
        why.append("arbitrage_frontrun")
    if settings.require_reaction and mempool is not None and mempool.reacted(
            s.frontrun.tx_hash, [v.tx_hash for v in s.victims]) is False:
        why.append("front_public_before_victims")
    return why


def judged(found: Sequence[Sandwich], swaps: Sequence[SwapRecord], settings: SandwichSettings,
           event: str, mempool: MempoolOrder | None = None) -> list[Sandwich]:
    """The shapes ``judge`` keeps; rejections counted by reason in one log line."""
    profit: dict[tuple[str, str], bool] = defaultdict(bool)
    for s in found:
        key = (s.frontrun.tx_hash, s.backrun.tx_hash)
        profit[key] = profit[key] or matched_profit(s.frontrun, s.backrun) > 0
    kept, dropped = [], Counter[str]()
    for s in found:
        why = judge(s, swaps, settings, profit[(s.frontrun.tx_hash, s.backrun.tx_hash)],
                    mempool)
        dropped.update(why)
        if not why:
            kept.append(s)
    if dropped:
        log.info(event, block=swaps[-1].block_number if swaps else None, **dict(dropped))
    return kept


def credible_sandwiches(swaps: Sequence[SwapRecord], settings: SandwichSettings | None = None,
                        book: IntermediaryBook | None = None,
                        mempool: MempoolOrder | None = None) -> list[Sandwich]:
    """Judged sandwiches of one block (``book`` already observed it; a fresh one if None)."""
    settings = settings or SandwichSettings()
    if book is None:
        book = settings.intermediary_book()
        book.observe(swaps, swaps[0].block_number if swaps else 0)
    return judged(bot_sandwiches(swaps, book), swaps, settings,
                  "detect.sandwich.shape_rejected", mempool)


def gated(gate: ReactionGate[Finding], seen: MempoolOrder, settings: SandwichSettings,
          found: Sequence[tuple[Sandwich, Finding]]) -> list[Finding]:
    """Findings to report now; those whose mempool verdict is pending wait one block
    (``mempool_order.ReactionGate``), when the reaction rule is on."""
    if not settings.require_reaction:
        return [f for _, f in found]
    return gate.admit(seen, [(f, s.frontrun.tx_hash, [v.tx_hash for v in s.victims])
                             for s, f in found])


class SandwichDetector(Detector):
    """Detector wrapper: one finding per same-block sandwich and pool."""

    name = "sandwich"
    version = "3"
    triggers = Triggers(blocks=True, pending=True)
    settings_model = SandwichSettings

    def __init__(self, config: SandwichSettings | None = None) -> None:
        self.config = config or SandwichSettings()
        self.book = self.config.intermediary_book()
        self.mempool = MempoolOrder()
        self.gate: ReactionGate[Finding] = ReactionGate()

    async def on_pending(self, tx: PendingTxRecord, ctx: DetectionContext) -> list[Finding]:
        saw_unless_shared(ctx.state, self.mempool, tx)
        return []

    async def on_block(self, block: BlockBundle, ctx: DetectionContext) -> list[Finding]:
        self.book.observe(block.swaps, block.number)
        txs = {t.hash: t for t in block.transactions}
        seen = sightings(ctx.state, self.mempool)
        found = credible_sandwiches(block.swaps, self.config, self.book, seen)
        return gated(self.gate, seen, self.config, [
            (s, sandwich_finding(block, s, self.name, self.version, "sandwich",
                                 self.config.unwind_tolerance, self.book, txs, seen))
            for s in found])
