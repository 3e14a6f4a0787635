"""Pre-inclusion sandwich setups, and their confirmation or retraction when blocks land.

While a victim swap waits in the mempool, a second pending swap in the same market and
direction from another sender that either has a sandwich history or outbids the victim's
priority fee raises ``SANDWICH_SETUP`` before any block. When a block includes either
transaction, the setup is confirmed (a mined sandwich with that front-run and victim;
upgraded score) or retracted (included without a sandwich, or expired). Findings of one
setup share ``details.setup_key`` so fusion can follow the lifecycle.
"""

from __future__ import annotations

from dataclasses import dataclass

from hafeniq_chain.decode.records import BlockBundle, PendingTxRecord
from hafeniq_chain.detect.base import DetectionContext, Triggers
from hafeniq_chain.detect.finding import ConfidenceBand, Finding, Severity
from hafeniq_chain.detect.pending_intent import SwapIntent, priority_fee, swap_intent
from hafeniq_chain.detect.reasons import ReasonCode
from hafeniq_chain.detect.sandwich import find_sandwiches
from hafeniq_chain.log import get_logger

log = get_logger(__name__)
EXPIRY_BLOCKS = 5


@dataclass
class _Setup:
    attacker_tx: PendingTxRecord
    victim_tx: PendingTxRecord
    intent: SwapIntent
    reasons: tuple[ReasonCode, ...]
    opened_block: int | None = None

    @property
    def key(self) -> str:
        return f"setup:{self.attacker_tx.hash}:{self.victim_tx.hash}"


class SandwichSetupDetector:
    name = "sandwich_setup"
    version = "1"
    triggers = Triggers(blocks=True, pending=True)

    def __init__(self) -> None:
        self.pending: dict[str, tuple[PendingTxRecord, SwapIntent]] = {}
        self.setups: dict[str, _Setup] = {}
        self.sandwichers: set[str] = set()
        self.skipped = 0
        self.last_block: int | None = None

    async def on_pending(self, tx: PendingTxRecord, ctx: DetectionContext) -> list[Finding]:
        intent = swap_intent(tx)
        if intent is None:
            self.skipped += 1
            return []
        findings = []
        for victim, other in self.pending.values():
            if other != intent or victim.from_addr == tx.from_addr:
                continue
            reasons = []
            if tx.from_addr in self.sandwichers:
                reasons.append(ReasonCode.SANDWICH_SETUP)
            if priority_fee(tx) > priority_fee(victim):
                reasons.append(ReasonCode.PRIORITY_FEE_OUTBID)
            if not reasons:
                continue
            if ReasonCode.SANDWICH_SETUP not in reasons:
                reasons.insert(0, ReasonCode.SANDWICH_SETUP)
            setup = _Setup(tx, victim, intent, tuple(reasons), self.last_block)
            self.setups[setup.key] = setup
            findings.append(self._finding(setup, "pending", 0.6 if len(reasons) > 1 else 0.45,
                                          self.last_block, ctx.chain_id))
        self.pending[tx.hash] = (tx, intent)
        return findings

    async def on_block(self, block: BlockBundle, ctx: DetectionContext) -> list[Finding]:
        self.last_block = block.number
        mined = {tx.hash for tx in block.transactions} | {s.tx_hash for s in block.swaps}
        sandwiches = find_sandwiches(block.swaps)
        self.sandwichers.update(s.sandwicher for s in sandwiches)
        self.sandwichers.update(s.frontrun.tx_from for s in sandwiches)
        confirmed = {(s.frontrun.tx_hash, v.tx_hash) for s in sandwiches for v in s.victims}
        findings = []
        for key, setup in list(self.setups.items()):
            pair = (setup.attacker_tx.hash, setup.victim_tx.hash)
            if pair in confirmed:
                findings.append(self._finding(setup, "confirmed", 0.95, block.number,
                                              block.chain_id))
            elif pair[0] in mined or pair[1] in mined or (
                    setup.opened_block is not None
                    and block.number - setup.opened_block >= EXPIRY_BLOCKS):
                findings.append(self._finding(setup, "retracted", 0.05, block.number,
                                              block.chain_id))
            else:
                continue
            del self.setups[key]
        for tx_hash in mined:
            self.pending.pop(tx_hash, None)
        if self.skipped:
            log.debug("detect.sandwich_setup.skipped_pending", count=self.skipped)
        return findings

    def _finding(self, setup: _Setup, status: str, score: float, block: int | None,
                 chain_id: int) -> Finding:
        attacker, victim = setup.attacker_tx, setup.victim_tx
        words = {"pending": "is lining up to sandwich", "confirmed": "sandwiched",
                 "retracted": "did not sandwich"}[status]
        return Finding(
            detector=self.name, detector_version=self.version, kind="sandwich_setup",
            score=score, confidence=ConfidenceBand(max(0.0, score - 0.15), min(1.0, score + 0.1)),
            severity=Severity.HIGH if status == "confirmed" else
            Severity.INFO if status == "retracted" else Severity.MEDIUM,
            reason_codes=setup.reasons,
            summary=(f"{attacker.from_addr} {words} pending swap {victim.hash} "
                     f"(same market and direction, tip {priority_fee(attacker)} vs "
                     f"{priority_fee(victim)})"),
            dedup_key=f"{setup.key}:{status}", chain_id=chain_id,
            entities=(attacker.from_addr, victim.from_addr),
            tx_hashes=(attacker.hash, victim.hash), block_from=block, block_to=block,
            details={"status": status, "setup_key": setup.key, "actors": [attacker.from_addr],
                     "pool": setup.intent.market, "direction": setup.intent.direction})
