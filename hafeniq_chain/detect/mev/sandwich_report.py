"""The sandwich finding: every figure that made the case in its deltas, the bot and its
operators in its details (shared by ``sandwich`` and ``sandwich_cross_block``)."""

from __future__ import annotations

from hafeniq_chain.core.finding import ConfidenceBand, FeatureDelta, Finding, Severity
from hafeniq_chain.core.reasons import ReasonCode
from hafeniq_chain.decode.records import BlockBundle, TxRecord
from hafeniq_chain.detect.mev.intermediaries import IntermediaryBook
from hafeniq_chain.detect.mev.mempool_order import MempoolOrder
from hafeniq_chain.detect.mev.sandwich_evidence import backrun_size, matched_profit, total_harm
from hafeniq_chain.detect.mev.sandwich_shapes import Sandwich


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
