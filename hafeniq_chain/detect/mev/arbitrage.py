"""Arbitrage cycles: a chain of swaps in one transaction that returns the start token
to the account that spent it.

Start/end pairs are swaps whose tokens and addresses close a loop; the shortest route
between them is searched through the other swaps, where each hop's output feeds the
next hop's input (amounts within 1%).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import groupby

from hafeniq_chain.core.finding import ConfidenceBand, FeatureDelta, Finding, Severity
from hafeniq_chain.core.reasons import ReasonCode
from hafeniq_chain.decode.records import BlockBundle, SwapRecord
from hafeniq_chain.detect.base import DetectionContext, Detector, Triggers
from hafeniq_chain.detect.mev.swap_order import position_key

AMOUNT_TOLERANCE = 0.01


@dataclass(frozen=True)
class Arbitrage:
    """A closed route of swaps; profit in the start token (negative = a loss)."""

    route: tuple[SwapRecord, ...]

    @property
    def account(self) -> str:
        return self.route[0].sender or self.route[0].tx_from

    @property
    def profit_token(self) -> str:
        return self.route[0].token_in

    @property
    def profit(self) -> int:
        return self.route[-1].amount_out - self.route[0].amount_in

    @property
    def error(self) -> str | None:
        return next((s.error for s in reversed(self.route) if s.error), None)


def _close(a: int, b: int) -> bool:
    return a + b > 0 and abs(a - b) / (0.5 * (a + b)) < AMOUNT_TOLERANCE


def _feeds(out: SwapRecord, into: SwapRecord) -> bool:
    linked = (out.pool == into.sender or out.recipient == into.pool
              or out.recipient == into.sender)
    return out.token_out == into.token_in and linked and _close(out.amount_out, into.amount_in)


def _shortest(start: SwapRecord, ends: list[SwapRecord], pool: list[SwapRecord],
              limit: int | None = None) -> list[SwapRecord] | None:
    if not ends or (limit is not None and limit < 2):
        return None
    for end in ends:
        if _feeds(start, end):
            return [start, end]
    if limit == 2:
        return None
    rest = [s for s in pool if s is not start and all(s is not e for e in ends)]
    best: list[SwapRecord] | None = None
    for nxt in rest:
        if _feeds(start, nxt):
            route = _shortest(nxt, ends, rest, None if limit is None else limit - 1)
            if route is not None and (best is None or len(route) < len(best)):
                best, limit = route, len(route) - 1
    return None if best is None else [start, *best]


def _in_transaction(swaps: list[SwapRecord]) -> list[Arbitrage]:
    pools = {s.pool for s in swaps}
    found: list[Arbitrage] = []
    used: list[SwapRecord] = []
    for i, start in enumerate(swaps):
        ends = [e for j, e in enumerate(swaps) if j != i and start.token_in == e.token_out
                and start.pool != e.pool and start.sender == e.recipient
                and start.sender not in pools]
        if not ends or any(start is u for u in used):
            continue
        route = _shortest(start, [e for e in ends if all(e is not u for u in used)], swaps)
        if route is not None:
            found.append(Arbitrage(tuple(route)))
            used.extend(route)
    if len(found) > 1:
        # NOTE: when a bot returns to itself between hops, several rotations close a loop;
        # keep the ones whose route runs forward through the transaction.
        found = [a for a in found if position_key(a.route[0]) < position_key(a.route[-1])]
    return found


def find_arbitrages(swaps: Sequence[SwapRecord]) -> list[Arbitrage]:
    """All arbitrages in a block's swaps (each transaction considered on its own)."""
    out: list[Arbitrage] = []
    ordered = sorted(swaps, key=lambda s: s.tx_hash)
    for _, group in groupby(ordered, key=lambda s: s.tx_hash):
        out += _in_transaction(list(group))
    return out


class ArbitrageDetector(Detector):
    """Detector wrapper: one finding per arbitrage (reverted ones included, marked)."""

    name = "arbitrage"
    version = "1"
    triggers = Triggers(blocks=True)

    async def on_block(self, block: BlockBundle, ctx: DetectionContext) -> list[Finding]:
        return [self._finding(block, a) for a in find_arbitrages(block.swaps)]

    def _finding(self, block: BlockBundle, a: Arbitrage) -> Finding:
        tx = a.route[0].tx_hash
        score = 0.3 if a.error else 0.5
        return Finding(
            detector=self.name, detector_version=self.version, kind="arbitrage", score=score,
            confidence=ConfidenceBand(score - 0.1, score + 0.1), severity=Severity.INFO,
            reason_codes=(ReasonCode.ARBITRAGE_CYCLE,),
            summary=(f"{a.account} cycled {len(a.route)} swaps back to {a.profit_token} "
                     f"(profit {a.profit}{', reverted' if a.error else ''})"),
            dedup_key=f"{block.chain_id}:{tx}:{a.route[0].position}",
            chain_id=block.chain_id, entities=(a.account, *(s.pool for s in a.route)),
            tx_hashes=(tx,), block_from=block.number, block_to=block.number,
            deltas=(FeatureDelta("route_length", None, float(len(a.route)),
                                 f"{len(a.route)}-hop cycle"),),
            details={"pools": [s.pool for s in a.route], "profit_token": a.profit_token,
                     "profit": str(a.profit), "start_amount": str(a.route[0].amount_in),
                     "error": a.error, "actors": [a.account]},
        )
