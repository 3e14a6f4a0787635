"""Multi-hop fund tracing: where do the proceeds of a flagged transaction go?

Why: drained funds are walked through fresh wallets minutes apart and then bridged away or
peeled into many fresh addresses. Other detectors publish ``Lead``s (who received what in
a flagged tx); this detector follows the token forward, hop by hop, over the transfers of
the following blocks (plus a short buffer of recent blocks), bounded in hops, time,
addresses per trace and live traces. A finding names the whole hop path.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from dataclasses import dataclass, field

from hafeniq_chain.core.finding import ConfidenceBand, FeatureDelta, Finding, Severity
from hafeniq_chain.core.reasons import ReasonCode
from hafeniq_chain.decode.records import BlockBundle, TransferRecord
from hafeniq_chain.detect.base import DetectionContext, Detector, DetectorSettings, Triggers
from hafeniq_chain.detect.bridge.bridge_events import bridge_flows
from hafeniq_chain.detect.bridge.incident_links import Lead, links
from hafeniq_chain.detect.bridge.labelled_funds import LabelLookup, StoreLabels


class TraceSettings(DetectorSettings):
    """Bounds: H hops, T seconds, and how much state a trace may hold."""

    max_hops: int = 6
    max_seconds: int = 2 * 3600
    min_fraction: float = 0.01   # hops below this share of the lead amount are dust
    peel_fresh: int = 5          # fresh addresses reached = a peel chain
    max_addresses: int = 64      # per trace
    max_traces: int = 256
    buffer_blocks: int = 64      # recent blocks kept to catch up on a late lead
    hub_fanout: int = 20         # senders with more recent recipients are not walked through


@dataclass(frozen=True)
class Hop:
    """One step of a path: ``amount`` of the traced token from ``src`` to ``dst``."""

    src: str
    dst: str
    tx_hash: str
    block: int
    amount: int

    def as_dict(self) -> dict[str, object]:
        return {"from": self.src, "to": self.dst, "tx": self.tx_hash, "block": self.block,
                "amount": str(self.amount)}


@dataclass
class _Trace:
    lead: Lead
    paths: dict[str, tuple[Hop, ...]] = field(default_factory=dict)
    fresh: set[str] = field(default_factory=set)
    exits: set[str] = field(default_factory=set)
    peel_reported: int = 0


class FundTracingDetector(Detector):
    """Follows leads to a bridge deposit (LAUNDERING_HOPS) or a fan-out (PEEL_CHAIN)."""

    name = "fund_tracing"
    version = "1"
    settings_model = TraceSettings
    triggers = Triggers(blocks=True)

    def __init__(self, config: TraceSettings | None = None,
                 labels: LabelLookup | None = None) -> None:
        self.config = config or TraceSettings()
        self.labels: LabelLookup = labels or StoreLabels()  # label feeds (labelled_funds.py)
        self._traces: deque[_Trace] = deque()
        self._buffer: deque[BlockBundle] = deque()
        self._first_seen: OrderedDict[str, int] = OrderedDict()
        self._fanout: dict[str, dict[str, int]] = {}  # sender -> recipient -> transfers
        self._escrows: set[str] = set()  # bridges: exits, never walked through

    async def on_block(self, block: BlockBundle, ctx: DetectionContext) -> list[Finding]:
        self._remember(block)
        findings: list[Finding] = []
        for lead in links(ctx).take_leads():
            trace = self._start(lead)
            for old in self._buffer:  # a lead from an earlier block catches up first
                if lead.block <= old.number < block.number:
                    findings += self._walk(old, [trace], ctx)
        cutoff = block.timestamp - self.config.max_seconds
        while self._traces and self._traces[0].lead.timestamp < cutoff:
            self._traces.popleft()
        findings += self._walk(block, list(self._traces), ctx)
        return findings + await self._labelled(block, ctx)

    async def _labelled(self, block: BlockBundle, ctx: DetectionContext) -> list[Finding]:
        """Traced funds landing on an address a label feed calls exploit or phishing."""
        reached = [(t, a) for t in self._traces for a, path in t.paths.items()
                   if path[-1].block == block.number and a not in t.exits and path[-1].src]
        hits = await self.labels.dangerous(ctx, {a for _, a in reached})
        out = []
        for trace, address in reached:
            if address in hits:
                trace.exits.add(address)
                path, what = trace.paths[address], "/".join(hits[address])
                out.append(self._base(
                    block, ctx, trace, path, "labelled_destination", ReasonCode.LABELLED_ADDRESS,
                    0.9, f"funds of flagged tx {trace.lead.tx_hash} reached {address}, "
                    f"labelled {what}, after {len(path) - 1} hop(s)",
                    (FeatureDelta("hops_to_labelled", None, float(len(path) - 1),
                                  f"transfer hops to a known {what} address"),),
                    {"labels": hits[address], "labelled_address": address}))
        return out

    def _start(self, lead: Lead) -> _Trace:
        trace = _Trace(lead)
        trace.paths[lead.holder] = (Hop("", lead.holder, lead.tx_hash, lead.block,
                                        lead.amount),)
        self._traces.append(trace)
        while len(self._traces) > self.config.max_traces:
            self._traces.popleft()
        return trace

    def _remember(self, block: BlockBundle) -> None:
        """First sightings (for freshness), recent fan-out (for hubs), the block buffer."""
        self._escrows |= {f.escrow for f in bridge_flows(block)}
        for t in block.transfers:
            for addr in (t.from_addr, t.to_addr):
                if addr not in self._first_seen:
                    self._first_seen[addr] = block.number
            sent = self._fanout.setdefault(t.from_addr, {})
            sent[t.to_addr] = sent.get(t.to_addr, 0) + 1
        while len(self._first_seen) > 500_000:
            self._first_seen.popitem(last=False)
        self._buffer.append(block)
        if len(self._buffer) > self.config.buffer_blocks:
            for t in self._buffer.popleft().transfers:
                sent = self._fanout[t.from_addr]
                sent[t.to_addr] -= 1
                if not sent[t.to_addr]:
                    del sent[t.to_addr]
                    if not sent:
                        del self._fanout[t.from_addr]

    def _walk(self, block: BlockBundle, traces: list[_Trace], ctx: DetectionContext
              ) -> list[Finding]:
        if not traces:
            return []
        locks = {(f.tx_hash, f.escrow) for f in bridge_flows(block) if f.kind == "lock"}
        holding: dict[str, list[_Trace]] = {}  # tainted address -> traces it belongs to
        for trace in traces:
            for address in trace.paths:
                holding.setdefault(address, []).append(trace)
        findings = []
        for t in sorted(block.transfers, key=lambda t: (t.tx_index, t.position)):
            for trace in holding.get(t.from_addr, ()):
                hop = self._follow(trace, t, block)
                if hop is None:
                    continue
                holding.setdefault(t.to_addr, []).append(trace)
                if (t.tx_hash, t.to_addr) in locks and t.to_addr not in trace.exits:
                    trace.exits.add(t.to_addr)
                    findings.append(self._exit_finding(block, ctx, trace, t.to_addr))
                elif len(trace.fresh) >= self.config.peel_fresh * (trace.peel_reported + 1):
                    trace.peel_reported += 1
                    findings.append(self._peel_finding(block, ctx, trace))
        return findings

    def _follow(self, trace: _Trace, t: TransferRecord, block: BlockBundle) -> Hop | None:
        cfg, lead = self.config, trace.lead
        path = trace.paths.get(t.from_addr)
        if path is None or t.token != lead.token or t.to_addr in trace.paths \
                or t.from_addr in self._escrows:
            return None
        if (block.number, t.tx_index) <= (lead.block, lead.tx_index):
            return None
        if len(path) > cfg.max_hops or len(trace.paths) >= cfg.max_addresses \
                or block.timestamp > lead.timestamp + cfg.max_seconds \
                or t.amount < cfg.min_fraction * lead.amount \
                or len(self._fanout.get(t.from_addr, ())) > cfg.hub_fanout:
            return None
        hop = Hop(t.from_addr, t.to_addr, t.tx_hash, block.number, t.amount)
        trace.paths[t.to_addr] = (*path, hop)
        if self._first_seen.get(t.to_addr, block.number) >= lead.block:
            trace.fresh.add(t.to_addr)
        return hop

    def _base(self, block: BlockBundle, ctx: DetectionContext, trace: _Trace,
              path: tuple[Hop, ...], kind: str, code: ReasonCode, score: float, summary: str,
              deltas: tuple[FeatureDelta, ...], extra: dict[str, object]) -> Finding:
        lead = trace.lead
        txs = tuple(dict.fromkeys(h.tx_hash for h in path))
        addresses = tuple(dict.fromkeys(a for h in path for a in (h.src, h.dst) if a))
        return Finding(
            detector=self.name, detector_version=self.version, kind=kind, score=score,
            confidence=ConfidenceBand(max(0.0, score - 0.15), score),
            severity=Severity.HIGH, reason_codes=(code,), summary=summary,
            dedup_key=f"{kind}:{ctx.chain_id}:{lead.tx_hash}:{txs[-1]}",
            chain_id=ctx.chain_id, entities=addresses, tx_hashes=txs,
            block_from=lead.block, block_to=block.number, deltas=deltas,
            details={"correlation_key": lead.correlation_key, "lead_tx": lead.tx_hash,
                     "lead_source": lead.source, "token": lead.token,
                     "hops": [h.as_dict() for h in path], **extra},
        )

    def _exit_finding(self, block: BlockBundle, ctx: DetectionContext, trace: _Trace,
                      escrow: str) -> Finding:
        path = trace.paths[escrow]
        lead, hops = trace.lead, len(path) - 1
        minutes = (block.timestamp - lead.timestamp) / 60
        share = path[-1].amount / max(1, lead.amount)
        return self._base(
            block, ctx, trace, path, "laundering_hops", ReasonCode.LAUNDERING_HOPS,
            min(1.0, 0.75 + 0.05 * hops + 0.1 * min(share, 1.0)),
            f"funds of flagged tx {lead.tx_hash} reached bridge deposit on {escrow} after "
            f"{hops} hop(s) in {minutes:.0f} min",
            (FeatureDelta("hops_to_bridge", None, float(hops), "transfer hops from the lead"),
             FeatureDelta("minutes_to_bridge", None, minutes, "minutes from the lead tx"),
             FeatureDelta("share_bridged", None, share, "share of the lead amount bridged")),
            {"exit_escrow": escrow})

    def _peel_finding(self, block: BlockBundle, ctx: DetectionContext, trace: _Trace
                      ) -> Finding:
        fresh = sorted(trace.fresh)
        hops = tuple(dict.fromkeys(h for a in fresh for h in trace.paths[a]))
        return self._base(
            block, ctx, trace, hops, "peel_chain", ReasonCode.PEEL_CHAIN,
            min(1.0, 0.6 + 0.03 * len(fresh)),
            f"funds of flagged tx {trace.lead.tx_hash} fanned out into {len(fresh)} fresh "
            "addresses",
            (FeatureDelta("fresh_recipients", None, float(len(fresh)),
                          "fresh addresses reached from the lead"),),
            {"fresh_addresses": fresh})
