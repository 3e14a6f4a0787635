"""The two findings of ``fund_tracing``: proceeds reaching an exit, and a peel chain.

Why apart: the walk decides, these say it — the ordered path in ``details.hops`` and the
figures behind it (hops, minutes, swaps, share of the lead that arrived) as deltas.
"""

from __future__ import annotations

from hafeniq_chain.core.finding import ConfidenceBand, FeatureDelta, Finding, Severity
from hafeniq_chain.core.reasons import ReasonCode
from hafeniq_chain.decode.records import BlockBundle
from hafeniq_chain.detect.bridge.trace_walk import Hop, Trace

DETECTOR = "fund_tracing"


def _base(block: BlockBundle, chain_id: int, trace: Trace, path: tuple[Hop, ...], kind: str,
          code: ReasonCode, score: float, summary: str, deltas: tuple[FeatureDelta, ...],
          extra: dict[str, object], version: str) -> Finding:
    lead = trace.lead
    txs = tuple(dict.fromkeys(h.tx_hash for h in path))
    addresses = tuple(dict.fromkeys(a for h in path for a in (h.src, h.dst) if a))
    return Finding(
        detector=DETECTOR, detector_version=version, kind=kind, score=score,
        confidence=ConfidenceBand(max(0.0, score - 0.15), score),
        severity=Severity.HIGH, reason_codes=(code,), summary=summary,
        dedup_key=f"{kind}:{chain_id}:{lead.tx_hash}:{txs[-1]}",
        chain_id=chain_id, entities=addresses, tx_hashes=txs,
        block_from=lead.block, block_to=block.number, deltas=deltas,
        details={"correlation_key": lead.correlation_key, "lead_tx": lead.tx_hash,
                 "lead_source": lead.source, "token": lead.token,
                 "hops": [h.as_dict() for h in path], **extra},
    )


def exit_finding(block: BlockBundle, chain_id: int, trace: Trace, exit_: str,
                 labels: tuple[str, ...], version: str, *, dangerous: bool = False) -> Finding:
    """Proceeds reached a bridge deposit (``labels`` empty) or a labelled address
    (``dangerous``: a label feed's exploit or phishing address, LABELLED_ADDRESS)."""
    path = trace.paths[exit_]
    lead, hops = trace.lead, trace.transfers(path)
    minutes = (block.timestamp - lead.timestamp) / 60
    share = path[-1].amount / max(1, lead.amount) if path[-1].token == lead.token else None
    swaps = sum(1 for h in path if h.via)
    where = f"labelled address {exit_} ({', '.join(labels)})" if labels \
        else f"bridge deposit on {exit_}"
    deltas = [FeatureDelta("hops_to_bridge", None, float(hops), "transfer hops from the lead"),
              FeatureDelta("minutes_to_bridge", None, minutes, "minutes from the lead tx"),
              FeatureDelta("swaps_on_path", None, float(swaps),
                           "swaps into other tokens along the path")]
    if share is not None:
        deltas.append(FeatureDelta("share_bridged", None, share,
                                   "share of the lead amount reaching the exit"))
    score = min(1.0, 0.75 + 0.05 * hops + 0.1 * min(share if share is not None else 1.0, 1.0))
    kind, code, extra = "laundering_hops", ReasonCode.LAUNDERING_HOPS, {}
    if dangerous:
        kind, code, score = "labelled_destination", ReasonCode.LABELLED_ADDRESS, max(score, 0.9)
        extra = {"labels": list(labels), "labelled_address": exit_}
    return _base(
        block, chain_id, trace, path, kind, code, score,
        f"funds of flagged tx {lead.tx_hash} reached {where} after {hops} hop(s)"
        f"{f' and {swaps} swap(s)' if swaps else ''} in {minutes:.0f} min",
        tuple(deltas), {"exit_escrow": exit_, "exit_labels": list(labels), **extra}, version)


def peel_finding(block: BlockBundle, chain_id: int, trace: Trace, version: str) -> Finding:
    """Proceeds fanned out into ``peel_fresh`` (or more) fresh addresses."""
    fresh = sorted(trace.fresh)
    on_paths = {h for a in fresh for h in trace.paths[a]}
    hops = tuple(h for h in trace.order if h in on_paths)  # in the order they happened
    return _base(
        block, chain_id, trace, hops, "peel_chain", ReasonCode.PEEL_CHAIN,
        min(1.0, 0.6 + 0.03 * len(fresh)),
        f"funds of flagged tx {trace.lead.tx_hash} fanned out into {len(fresh)} fresh "
        "addresses",
        (FeatureDelta("fresh_recipients", None, float(len(fresh)),
                      "fresh addresses reached from the lead"),),
        {"fresh_addresses": fresh}, version)
