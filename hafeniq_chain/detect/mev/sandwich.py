"""Sandwiches in mined blocks: buy before the victims in the same pool and direction,
sell right back after them, from the same address or receiving contract.

Known routers are never sandwichers, and neither is a pool: in multi-hop swaps the
"recipient" of one hop is the next pool, which would otherwise look like an attacker.

``find_sandwiches`` is the shape alone (as mev-inspect-py defines it, and compared with
it on the 26 real blocks). A finding also needs what every real sandwicher does (all 11
in the real blocks, and the world's bots): both legs sent by the same account, and the
back-run *unwinding* the front-run, selling back what it bought within
``UNWIND_TOLERANCE`` (real ones: 0.98-1.00, the rest being transfer fees). On the 10k
benign world the shape alone matched 11 times: the world's own Router02 (not in
``ROUTERS``) "received" one user's sell and "sent" another user's buy around a third
user's swap. Shapes without both properties are counted and logged, not reported. A bot
splitting its legs over two accounts evades this; the shape is still in the log.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import Field

from hafeniq_chain.core.finding import ConfidenceBand, FeatureDelta, Finding, Severity
from hafeniq_chain.core.reasons import ReasonCode
from hafeniq_chain.decode.records import BlockBundle, SwapRecord
from hafeniq_chain.detect.base import DetectionContext, Detector, DetectorSettings, Triggers
from hafeniq_chain.detect.mev.swap_order import block_order
from hafeniq_chain.log import get_logger

log = get_logger(__name__)
UNWIND_TOLERANCE = 0.1  # |sold - bought| / bought; real bots: <= 0.02 (transfer fees)

ROUTERS = frozenset({
    "0x7a250d5630b4cf539739df2c5dacb4c659f2488d",  # Uniswap V2 Router02
    "0xe592427a0aece92de3edee1f18e0157c05861564",  # Uniswap V3 SwapRouter
    "0x68b3465833fb72a70ecdf485e0e4c7bd8665fc45",  # Uniswap V3 SwapRouter02
})


@dataclass(frozen=True)
class Sandwich:
    """Front-run, victims, back-run in one pool; profit is in the front-run's input token."""

    sandwicher: str
    frontrun: SwapRecord
    victims: tuple[SwapRecord, ...]
    backrun: SwapRecord

    @property
    def pool(self) -> str:
        return self.frontrun.pool

    @property
    def profit_token(self) -> str:
        return self.frontrun.token_in

    @property
    def profit(self) -> int:
        return self.backrun.amount_out - self.frontrun.amount_in


def _starting_with(front: SwapRecord, rest: Sequence[SwapRecord], pools: frozenset[str],
                   routers: frozenset[str]) -> Sandwich | None:
    attacker = front.recipient
    if attacker in routers or attacker in pools:
        return None
    victims: list[SwapRecord] = []
    for other in rest:
        if other.tx_hash == front.tx_hash or other.pool != front.pool:
            continue
        same_way = other.token_in == front.token_in and other.token_out == front.token_out
        if same_way and other.sender != attacker:
            victims.append(other)
        elif (not same_way and other.token_in == front.token_out
              and other.token_out == front.token_in and other.sender == attacker and victims):
            return Sandwich(attacker, front, tuple(victims), other)
    return None


class SandwichSettings(DetectorSettings):
    """``[detect.sandwich]``: how close the back-run's sale must be to the front-run's buy,
    and routers (besides the built-in list) that are intermediaries, never sandwichers."""

    unwind_tolerance: float = Field(default=UNWIND_TOLERANCE, ge=0, le=10)
    routers: frozenset[str] = frozenset()

    @property
    def known_routers(self) -> frozenset[str]:
        return ROUTERS | {r.lower() for r in self.routers}


def unwinds(s: Sandwich, tolerance: float = UNWIND_TOLERANCE) -> bool:
    """Does the back-run sell (about) what the front-run bought?"""
    bought, sold = s.frontrun.amount_out, s.backrun.amount_in
    return bought > 0 and abs(sold - bought) <= tolerance * bought


def one_actor(s: Sandwich) -> bool:
    """Were both legs sent by the same account? Otherwise the "sandwicher" is a public
    contract that many people trade through (a router this detector does not know)."""
    return s.frontrun.tx_from == s.backrun.tx_from


def credible_sandwiches(swaps: Sequence[SwapRecord],
                        settings: SandwichSettings | None = None) -> list[Sandwich]:
    """Sandwich shapes one actor sent and unwound (what detectors report)."""
    settings = settings or SandwichSettings()
    found = find_sandwiches(swaps, settings.known_routers)
    credible = [s for s in found if one_actor(s) and unwinds(s, settings.unwind_tolerance)]
    if len(credible) < len(found):
        log.info("detect.sandwich.shape_without_unwind", skipped=len(found) - len(credible),
                 block=swaps[0].block_number if swaps else None)
    return credible


def find_sandwiches(swaps: Sequence[SwapRecord], routers: frozenset[str] = ROUTERS
                    ) -> list[Sandwich]:
    """All sandwiches in one block's swaps, in block order."""
    ordered = sorted(swaps, key=block_order)
    pools = frozenset(s.pool for s in ordered)
    found = []
    for i, front in enumerate(ordered):
        sandwich = _starting_with(front, ordered[i + 1:], pools, routers)
        if sandwich is not None:
            found.append(sandwich)
    return found


class SandwichDetector(Detector):
    """Detector wrapper: one finding per sandwich, ordered front-run, victims, back-run."""

    name = "sandwich"
    version = "2"
    triggers = Triggers(blocks=True)
    settings_model = SandwichSettings

    def __init__(self, config: SandwichSettings | None = None) -> None:
        self.config = config or SandwichSettings()

    async def on_block(self, block: BlockBundle, ctx: DetectionContext) -> list[Finding]:
        return [self._finding(block, s)
                for s in credible_sandwiches(block.swaps, self.config)]

    def _finding(self, block: BlockBundle, s: Sandwich) -> Finding:
        txs = (s.frontrun.tx_hash, *(v.tx_hash for v in s.victims), s.backrun.tx_hash)
        victim_in = sum(v.amount_in for v in s.victims)
        score = min(1.0, 0.7 + 0.1 * len(s.victims) + (0.1 if s.profit > 0 else 0.0))
        return Finding(
            detector=self.name, detector_version=self.version, kind="sandwich",
            score=score, confidence=ConfidenceBand(max(0.0, score - 0.15), score),
            severity=Severity.HIGH if s.profit > 0 else Severity.MEDIUM,
            reason_codes=(ReasonCode.SANDWICH_FRONTRUN, ReasonCode.SANDWICH_BACKRUN),
            summary=(f"{s.sandwicher} sandwiched {len(s.victims)} swap(s) in pool {s.pool} "
                     f"(front-run tx {s.frontrun.tx_index}, back-run tx {s.backrun.tx_index})"),
            dedup_key=f"{block.chain_id}:{s.frontrun.tx_hash}:{s.backrun.tx_hash}:{s.pool}",
            chain_id=block.chain_id, entities=(s.sandwicher, s.pool), tx_hashes=txs,
            block_from=block.number, block_to=block.number,
            deltas=(FeatureDelta("victims_in_pool", None, float(len(s.victims)),
                                 f"{len(s.victims)} victim swap(s) between front- and back-run"),
                    FeatureDelta("frontrun_vs_victim_size", None,
                                 s.frontrun.amount_in / max(1, victim_in),
                                 "front-run input relative to the victims' total input")),
            details={"pool": s.pool, "protocol": s.frontrun.protocol,
                     "profit_token": s.profit_token, "profit": str(s.profit),
                     "actors": [s.sandwicher]},
        )
