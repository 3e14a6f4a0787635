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

``find_sandwiches`` is mev-inspect-py's definition (the recipient of the front-run sends
the back-run), kept for the comparison on the 26 real blocks.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import Field

from hafeniq_chain.core.finding import ConfidenceBand, FeatureDelta, Finding, Severity
from hafeniq_chain.core.reasons import ReasonCode
from hafeniq_chain.decode.records import BlockBundle, PendingTxRecord, SwapRecord, TxRecord
from hafeniq_chain.detect.base import DetectionContext, Detector, DetectorSettings, Triggers
from hafeniq_chain.detect.mev.intermediaries import IntermediaryBook
from hafeniq_chain.detect.mev.mempool_order import MempoolOrder, ReactionGate, sightings
from hafeniq_chain.detect.mev.sandwich_evidence import (
    backrun_size,
    in_arbitrage,
    matched_profit,
    total_harm,
)
from hafeniq_chain.detect.mev.swap_order import block_order
from hafeniq_chain.log import get_logger

log = get_logger(__name__)
UNWIND_TOLERANCE = 0.1  # |sold - bought| / bought within this: a "full" back-run

ROUTERS = frozenset({
    "0x7a250d5630b4cf539739df2c5dacb4c659f2488d",  # Uniswap V2 Router02
    "0xe592427a0aece92de3edee1f18e0157c05861564",  # Uniswap V3 SwapRouter
    "0x68b3465833fb72a70ecdf485e0e4c7bd8665fc45",  # Uniswap V3 SwapRouter02
    "0xef1c6e67703c7bd7107eed8303fbe6ec2554bf6b",  # Uniswap Universal Router (2022)
    "0x3fc91a3afd70395cd496c647d5a6cc9d4b2b7fad",  # Uniswap Universal Router
    "0x1111111254eeb25477b68fb85ed929f73a960582",  # 1inch v5
    "0xdef1c0ded9bec7f1a1670819833240f027b25eff",  # 0x Exchange Proxy
})


@dataclass(frozen=True)
class Sandwich:
    """Front-run, victims, back-run in one pool; profit is in the front-run's input token.

    ``tie`` says what ties the legs: ``eoa`` (one sender), ``contract`` (one bot contract,
    ``sandwicher``) or ``shape`` (mev-inspect's definition, not judged).
    """

    sandwicher: str
    frontrun: SwapRecord
    victims: tuple[SwapRecord, ...]
    backrun: SwapRecord
    tie: str = "shape"
    interleaved: int = 0  # others' opposite-direction swaps between the legs, in the pool

    @property
    def pool(self) -> str:
        return self.frontrun.pool

    @property
    def profit_token(self) -> str:
        return self.frontrun.token_in

    @property
    def profit(self) -> int:
        return self.backrun.amount_out - self.frontrun.amount_in

    @property
    def operators(self) -> tuple[str, ...]:
        return tuple(sorted({self.frontrun.tx_from, self.backrun.tx_from}))

    @property
    def actors(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((self.sandwicher, *self.operators)))


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


def _direction(a: SwapRecord, b: SwapRecord) -> str | None:
    if a.token_in == b.token_in and a.token_out == b.token_out:
        return "same"
    if a.token_in == b.token_out and a.token_out == b.token_in:
        return "opposite"
    return None  # another pair of a multi-token pool


def bracket(front: SwapRecord, later: Sequence[SwapRecord], book: IntermediaryBook
            ) -> Sandwich | None:
    """The sandwich that ``front`` opens among the pool's ``later`` swaps, tied by bot."""
    eoa = front.tx_from
    bot = None if front.recipient == eoa or book.is_intermediary(front.recipient) \
        else front.recipient
    victims: list[SwapRecord] = []
    interleaved = 0
    for other in later:
        way = _direction(front, other)
        if other.tx_hash == front.tx_hash or way is None:
            continue
        ours = other.tx_from == eoa or (bot is not None and bot in (other.sender,
                                                                    other.recipient))
        if way == "same":
            if not ours:
                victims.append(other)
            continue
        if not ours:
            interleaved += 1
            continue
        if not victims:
            return None  # the bot's (or trader's) own round trip: nobody in between
        tie = "contract" if bot is not None and other.sender == bot else "eoa"
        if tie == "eoa" and other.tx_from != eoa:
            return None
        return Sandwich(bot if bot is not None and tie == "contract" else eoa, front,
                        tuple(victims), other, tie, interleaved)
    return None


def _by_pool(swaps: Sequence[SwapRecord]) -> dict[str, list[SwapRecord]]:
    pools: dict[str, list[SwapRecord]] = defaultdict(list)
    for s in sorted(swaps, key=block_order):
        if s.error is None:
            pools[s.pool].append(s)
    return pools


def bot_sandwiches(swaps: Sequence[SwapRecord], book: IntermediaryBook) -> list[Sandwich]:
    """Every bot-tied sandwich shape in one block's swaps, not yet judged."""
    found = []
    for seq in _by_pool(swaps).values():
        # NOTE: a front-run needs a later swap paying in what it bought, by the same
        # sender or through its receiving contract; the last index of each such
        # (actor, token) skips the quadratic scan for every other swap of a busy pool.
        last: dict[tuple[str | None, str], int] = {}
        for i, swap in enumerate(seq):
            last[(swap.tx_from, swap.token_in)] = last[(swap.sender, swap.token_in)] = i
        for i, front in enumerate(seq):
            if max(last.get((front.tx_from, front.token_out), -1),
                   last.get((front.recipient, front.token_out), -1)) <= i:
                continue
            shape = bracket(front, seq[i + 1:], book)
            if shape is not None:
                found.append(shape)
    return sorted(found, key=lambda s: (block_order(s.frontrun), s.pool))


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


def find_sandwiches(swaps: Sequence[SwapRecord], routers: frozenset[str] = ROUTERS
                    ) -> list[Sandwich]:
    """mev-inspect-py's sandwiches in one block's swaps (front recipient sends the back)."""
    ordered = sorted(swaps, key=block_order)
    pools = frozenset(s.pool for s in ordered)
    found = []
    for i, front in enumerate(ordered):
        attacker = front.recipient
        if attacker in routers or attacker in pools:
            continue
        victims: list[SwapRecord] = []
        for other in ordered[i + 1:]:
            if other.tx_hash == front.tx_hash or other.pool != front.pool:
                continue
            way = _direction(front, other)
            if way == "same" and other.sender != attacker:
                victims.append(other)
            elif way == "opposite" and other.sender == attacker and victims:
                found.append(Sandwich(attacker, front, tuple(victims), other))
                break
    return found


def gated(gate: ReactionGate[Finding], seen: MempoolOrder, settings: SandwichSettings,
          found: Sequence[tuple[Sandwich, Finding]]) -> list[Finding]:
    """Findings to report now; those whose mempool verdict is pending wait one block
    (``mempool_order.ReactionGate``), when the reaction rule is on."""
    if not settings.require_reaction:
        return [f for _, f in found]
    return gate.admit(seen, [(f, s.frontrun.tx_hash, [v.tx_hash for v in s.victims])
                             for s, f in found])


def _tip(tx: TxRecord | None, base_fee: int | None) -> int | None:
    if tx is None:
        return None
    if tx.max_priority_fee is not None:
        return tx.max_priority_fee
    price = tx.effective_gas_price or tx.gas_price
    return None if price is None else price - (base_fee or 0)


def sandwich_finding(block: BlockBundle, s: Sandwich, detector: str, version: str,
                     kind: str, tolerance: float, book: IntermediaryBook,
                     txs: dict[str, TxRecord], mempool: MempoolOrder | None = None) -> Finding:
    """One finding with every figure that made the case in its deltas."""
    victim_in = sum(v.amount_in for v in s.victims)
    profit = matched_profit(s.frontrun, s.backrun)
    harm, harm_share = total_harm(s.frontrun, s.victims)
    size = backrun_size(s.frontrun, s.backrun, tolerance)
    deltas = [
        FeatureDelta("victims_in_pool", None, float(len(s.victims)),
                     f"{len(s.victims)} victim swap(s) between front- and back-run"),
        FeatureDelta("frontrun_vs_victim_size", None, s.frontrun.amount_in / max(1, victim_in),
                     "front-run input relative to the victims' total input"),
        FeatureDelta("attacker_profit", 0.0, profit,
                     "back-run proceeds minus front-run cost on the quantity both traded "
                     f"(in {s.profit_token})"),
        FeatureDelta("backrun_to_frontrun", 1.0,
                     s.backrun.amount_in / max(1, s.frontrun.amount_out),
                     f"back-run sold this share of what the front-run bought ({size})"),
        FeatureDelta("interleaved_swaps", 0.0, float(s.interleaved),
                     "others' opposite-direction swaps between the legs in this pool")]
    if harm is not None:
        deltas.append(FeatureDelta("victim_harm_share", 0.0, harm_share,
                                   f"victims received {harm:.4g} less than without the "
                                   "front-run (constant-product math on the logged reserves)"))
    front_tip = _tip(txs.get(s.frontrun.tx_hash), block.base_fee)
    victim_tips = [t for v in s.victims if (t := _tip(txs.get(v.tx_hash), block.base_fee))
                   is not None]
    if front_tip is not None and victim_tips:
        deltas.append(FeatureDelta("frontrun_tip_over_victim", 0.0,
                                   float(front_tip - max(victim_tips)),
                                   "front-run priority fee minus the highest victim's (wei)"))
    reacted = mempool.reacted(s.frontrun.tx_hash, [v.tx_hash for v in s.victims]) \
        if mempool else None
    if reacted is not None:
        deltas.append(FeatureDelta("frontrun_seen_after_victim", 0.0, float(reacted),
                                   "the front-run reached the mempool after a victim"))
    legs = [txs.get(s.frontrun.tx_hash), txs.get(s.backrun.tx_hash)]
    if all(t is not None for t in legs):
        deltas.append(FeatureDelta("private_legs", None,
                                   float(sum(1 for t in legs if t and t.private)),
                                   "legs never seen in the mempool"))
    hashes = (s.frontrun.tx_hash, *(v.tx_hash for v in s.victims), s.backrun.tx_hash)
    score = min(1.0, 0.6 + 0.1 * len(s.victims) + (0.2 if profit > 0 else 0.0))
    return Finding(
        detector=detector, detector_version=version, kind=kind,
        score=score, confidence=ConfidenceBand(max(0.0, score - 0.15), score),
        severity=Severity.HIGH if profit > 0 else Severity.MEDIUM,
        reason_codes=(ReasonCode.SANDWICH_FRONTRUN, ReasonCode.SANDWICH_BACKRUN),
        summary=(f"{s.sandwicher} sandwiched {len(s.victims)} swap(s) in pool {s.pool} "
                 f"(front-run tx {s.frontrun.block_number}:{s.frontrun.tx_index}, back-run "
                 f"tx {s.backrun.block_number}:{s.backrun.tx_index}, {size} back-run)"),
        dedup_key=f"{block.chain_id}:{s.frontrun.tx_hash}:{s.backrun.tx_hash}:{s.pool}",
        chain_id=block.chain_id, entities=(*s.actors, s.pool), tx_hashes=hashes,
        block_from=s.frontrun.block_number, block_to=block.number, deltas=tuple(deltas),
        details={"pool": s.pool, "protocol": s.frontrun.protocol,
                 "profit_token": s.profit_token, "profit": str(s.profit),
                 "matched_profit": str(int(profit)), "back_run": size, "tie": s.tie,
                 "bot": s.sandwicher, "operators": list(s.operators),
                 "bot_senders_seen": book.senders_of(s.sandwicher),
                 "victim_harm": None if harm is None else str(int(harm)),
                 "actors": [s.sandwicher]},
    )


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
        self.mempool.saw(tx)  # only remembered: who reacted to whom, judged at inclusion
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
