"""Pre-inclusion sandwich setups, and their confirmation or retraction when blocks land.

A setup is an actor's pending swap (the front-run) that outbids another sender's pending
swap (the victim) in the same market and direction. Outbidding alone is ordinary: busy
markets always have someone tipping more than someone else, and on the benign world that
alone fired on ordinary tips. So a setup is raised only with one of two things benign
traders do not do:

- a paired back-run: the same bot (the same account, or another operator account calling
  the same non-intermediary contract, ``bot_of``) also has a pending swap *back* in that
  market, tipping
  less than the victim so it lands right after it (``SANDWICH_BACKRUN``); or
- a sandwich history: the actor was seen sandwiching in a mined block (``SANDWICH_HISTORY``).

Bots trading through their own contract show no swap in their calldata; such a pending
transaction is simulated on the node (``ctx.simulator``) only when it could matter: it
outbids another sender's pending swap, its sender already has a pending swap, or it calls
a contract another pending swap was found behind (a bot's second operator).

Lifecycle: the setup is one finding (``dedup_key`` ``setup:<front-run>``) stored as soon as
it is seen; when a block includes the front-run it is re-emitted ``confirmed`` (a mined
sandwich with that front-run; upgraded score) or ``retracted`` (mined without one, or
nothing included within ``EXPIRY_BLOCKS``). The stored row keeps its first ``created_at``.
Slippage room of the victim is not estimated (it needs reserves at inclusion time).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Self

from pydantic import Field

from hafeniq_chain.core.finding import ConfidenceBand, Finding, Severity
from hafeniq_chain.core.reasons import ReasonCode
from hafeniq_chain.decode.records import BlockBundle, PendingTxRecord
from hafeniq_chain.detect.base import DetectionContext, Detector, DetectorSettings, Triggers
from hafeniq_chain.detect.mev.mempool_order import MEMPOOL_ORDER, MempoolOrder
from hafeniq_chain.detect.mev.pending_book import PendingBook, PendingSwap
from hafeniq_chain.detect.mev.pending_intent import intent_from_calls, priority_fee, swap_intent
from hafeniq_chain.detect.mev.sandwich import SandwichSettings, credible_sandwiches
from hafeniq_chain.log import get_logger

if TYPE_CHECKING:
    from hafeniq_chain.detect.settings import DetectionSettings

log = get_logger(__name__)
EXPIRY_BLOCKS = 5
PENDING_SCORE = {frozenset({ReasonCode.SANDWICH_BACKRUN}): 0.6,
                 frozenset({ReasonCode.SANDWICH_HISTORY}): 0.5,
                 frozenset({ReasonCode.SANDWICH_BACKRUN, ReasonCode.SANDWICH_HISTORY}): 0.7}


@dataclass(frozen=True)
class _Setup:
    front: PendingSwap
    victims: tuple[PendingSwap, ...]
    back: PendingSwap | None
    reasons: tuple[ReasonCode, ...]

    @property
    def key(self) -> str:
        return f"setup:{self.front.tx.hash}"

    @property
    def tx_hashes(self) -> tuple[str, ...]:
        back = (self.back.tx.hash,) if self.back else ()
        return (self.front.tx.hash, *(v.tx.hash for v in self.victims), *back)


class SandwichSetupSettings(DetectorSettings):
    """``[detect.sandwich_setup]``: blocks a pending setup waits for inclusion."""

    expiry_blocks: int = Field(default=EXPIRY_BLOCKS, ge=1, le=1_000)


class SandwichSetupDetector(Detector):
    name = "sandwich_setup"
    version = "2"
    triggers = Triggers(blocks=True, pending=True)
    settings_model = SandwichSetupSettings

    def __init__(self, config: SandwichSetupSettings | None = None,
                 sandwich: SandwichSettings | None = None) -> None:
        self.config = config or SandwichSetupSettings()
        self.sandwich = sandwich or SandwichSettings()
        self.book = PendingBook(self.config.expiry_blocks)
        self.setups: dict[str, _Setup] = {}
        self.sandwichers: set[str] = set()  # bots and operators seen sandwiching
        self.intermediaries = self.sandwich.intermediary_book()
        self.skipped = 0
        self.simulations = 0

    @classmethod
    def from_settings(cls, settings: DetectionSettings) -> Self:
        """Its own table plus ``[detect.sandwich]``: a setup is judged by the same rule."""
        return cls(settings.detect.sandwich_setup, settings.detect.sandwich)

    async def on_pending(self, tx: PendingTxRecord, ctx: DetectionContext) -> list[Finding]:
        if self.book.is_mined(tx.hash) or tx.hash in self.book.swaps:
            return []
        swap = await self._read_intent(tx, ctx)
        if swap is None:
            self.skipped += 1
            return []
        self.book.add(swap)
        findings = []
        for setup in self._setups_in(swap.intent.market):
            known = self.setups.get(setup.key)
            if known is not None and known.tx_hashes == setup.tx_hashes \
                    and known.reasons == setup.reasons:
                continue
            self.setups[setup.key] = setup
            findings.append(self._finding(setup, "pending", ctx.chain_id, self.book.head))
        return findings

    async def _read_intent(self, tx: PendingTxRecord, ctx: DetectionContext
                           ) -> PendingSwap | None:
        intent = swap_intent(tx)
        if intent is not None:
            return PendingSwap(tx, intent, self.book.head)
        lowest = self.book.lowest_tip_of_others(tx.from_addr)
        # NOTE: a call to a contract another pending swap was simulated through may be a
        # second operator of the same bot sending the back-run (low tip, new sender).
        worth_it = self.book.has_swap_from(tx.from_addr) or (
            lowest is not None and priority_fee(tx) > lowest) or any(
            s.simulated and s.tx.to_addr == tx.to_addr for s in self.book.swaps.values())
        if ctx.simulator is None or tx.to_addr is None or len(tx.input) < 4 or not worth_it:
            return None
        try:
            calls = await ctx.simulator.inner_calls(tx)
        except Exception as exc:  # node hiccup: the transaction stays unknown, counted
            log.warning("detect.sandwich_setup.simulation_failed", tx=tx.hash,
                        error=repr(exc)[:200])
            return None
        self.simulations += 1
        intent = intent_from_calls(calls)
        return PendingSwap(tx, intent, self.book.head, simulated=True) if intent else None

    def bot_of(self, swap: PendingSwap) -> str:
        """Who is behind a pending swap: its own contract when the swap was found one call
        deep (a bot contract several operators drive), else the sending account. Routers
        and other intermediaries (learned from mined blocks) are never a bot."""
        to = swap.tx.to_addr
        if swap.simulated and to and not self.intermediaries.is_intermediary(to):
            return to
        return swap.sender

    def _setups_in(self, market: str) -> list[_Setup]:
        swaps = self.book.market(market)
        out = []
        for front in swaps:
            bot = self.bot_of(front)
            victims = [v for v in swaps if self.bot_of(v) != bot and v.sender != front.sender
                       and v.intent.direction == front.intent.direction and v.tip < front.tip]
            backs = [b for b in swaps if self.bot_of(b) == bot
                     and b.intent.direction != front.intent.direction
                     and (b.sender != front.sender
                          or (b.tx.nonce or 0) > (front.tx.nonce or 0))
                     and any(b.tip < v.tip for v in victims)]
            back = min(backs, key=lambda b: (b.sender != front.sender, b.tx.nonce or 0)) \
                if backs else None
            if back is not None:  # the victims it would sandwich: tipped between the legs
                victims = [v for v in victims if v.tip > back.tip]
            reasons = [ReasonCode.SANDWICH_SETUP, ReasonCode.PRIORITY_FEE_OUTBID]
            reasons += [ReasonCode.SANDWICH_BACKRUN] if back else []
            reasons += [ReasonCode.SANDWICH_HISTORY] if {front.sender, bot} & self.sandwichers \
                else []
            if victims and len(reasons) > 2:
                victims.sort(key=lambda v: (-v.tip, v.tx.hash))
                out.append(_Setup(front, tuple(victims), back, tuple(reasons)))
        return out

    async def on_block(self, block: BlockBundle, ctx: DetectionContext) -> list[Finding]:
        mined = {tx.hash for tx in block.transactions} | {s.tx_hash for s in block.swaps}
        self.intermediaries.observe(block.swaps, block.number)
        shared = ctx.state.get(MEMPOOL_ORDER)  # the same mempool evidence as `sandwich`
        sandwiches = credible_sandwiches(block.swaps, self.sandwich, self.intermediaries,
                                         shared if isinstance(shared, MempoolOrder) else None)
        self.sandwichers.update(a for s in sandwiches for a in s.actors)
        by_front = {s.frontrun.tx_hash: s for s in sandwiches}
        findings = []
        for key, setup in list(self.setups.items()):
            front = setup.front.tx.hash
            seen = setup.front.seen_block if setup.front.seen_block is not None else block.number
            if front in by_front:
                mined_sw = by_front[front]
                hashes = (front, *(v.tx_hash for v in mined_sw.victims),
                          mined_sw.backrun.tx_hash)
                findings.append(self._finding(setup, "confirmed", block.chain_id, block.number,
                                              hashes))
            elif front in mined or block.number - seen >= self.config.expiry_blocks:
                findings.append(self._finding(setup, "retracted", block.chain_id, block.number))
            else:
                continue
            del self.setups[key]
        self.book.on_block(block.number, mined)
        if self.skipped:
            log.debug("detect.sandwich_setup.skipped_pending", count=self.skipped,
                      simulations=self.simulations)
        return findings

    def _finding(self, setup: _Setup, status: str, chain_id: int, block: int | None,
                 hashes: tuple[str, ...] | None = None) -> Finding:
        front = setup.front
        score = {"pending": PENDING_SCORE[frozenset(setup.reasons[2:])], "confirmed": 0.95,
                 "retracted": 0.05}[status]
        words = {"pending": "is lining up to sandwich", "confirmed": "sandwiched",
                 "retracted": "did not sandwich"}[status]
        victims = [v.tx.hash for v in setup.victims]
        return Finding(
            detector=self.name, detector_version=self.version, kind="sandwich_setup",
            score=score, confidence=ConfidenceBand(max(0.0, score - 0.15), min(1.0, score + 0.1)),
            severity=Severity.HIGH if status == "confirmed" else
            Severity.INFO if status == "retracted" else Severity.MEDIUM,
            reason_codes=setup.reasons,
            summary=(f"{front.sender} {words} pending swap(s) {', '.join(victims)} "
                     f"(same market and direction, tip {front.tip} vs "
                     f"{max(v.tip for v in setup.victims)}"
                     + (", back-run pending" if setup.back else "") + ")"),
            dedup_key=setup.key, chain_id=chain_id,
            entities=tuple(dict.fromkeys((self.bot_of(front), front.sender,
                                          *sorted({v.sender for v in setup.victims})))),
            tx_hashes=hashes or setup.tx_hashes, block_from=front.seen_block,
            block_to=None if status == "pending" else block,
            details={"status": status, "setup_key": setup.key,
                     "actors": list(dict.fromkeys([self.bot_of(front), front.sender,
                                                   *([setup.back.sender] if setup.back
                                                     else [])])),
                     "pool": front.intent.market, "direction": front.intent.direction,
                     "victims": victims, "back_run": setup.back.tx.hash if setup.back else None,
                     "simulated": front.simulated},
            status="open" if status == "pending" else status)
