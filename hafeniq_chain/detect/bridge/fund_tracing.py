"""Multi-hop fund tracing: where do the proceeds of a flagged transaction go?

Why: drained funds are walked through fresh wallets minutes apart and then bridged away or
peeled into many fresh addresses. Other detectors publish ``Lead``s (who received what in
a flagged tx); this detector follows the token forward, hop by hop, over the transfers of
the following blocks (plus a short buffer of recent blocks), bounded in hops, time,
addresses per trace and live traces (``trace_walk``: hops across EOAs and contracts,
splits, merges, swaps into other tokens). An exit is a deposit into any bridge (a lock
event, a ``[[watch]]`` bridge, or any contract that emitted bridge events) or a labelled
address (``entities.labels``, or an exploit/phishing address of an imported label feed, read
through ``labelled_funds``: that exit raises LABELLED_ADDRESS); a finding names the whole hop
path, in order.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Self

from pydantic import Field

from hafeniq_chain.core.finding import Finding
from hafeniq_chain.decode.records import BlockBundle
from hafeniq_chain.detect.base import DetectionContext, Detector, DetectorSettings, Triggers
from hafeniq_chain.detect.bridge.bridge_events import bridge_flows
from hafeniq_chain.detect.bridge.incident_links import Lead, links
from hafeniq_chain.detect.bridge.labelled_funds import LabelLookup, StoreLabels
from hafeniq_chain.detect.bridge.trace_findings import exit_finding, peel_finding
from hafeniq_chain.detect.bridge.trace_walk import Trace, WalkRules, walk_block

if TYPE_CHECKING:
    from hafeniq_chain.detect.settings import DetectionSettings

_LABELS = """
SELECT address, labels FROM entities WHERE chain_id = $1 AND address = ANY($2::text[])
  AND cardinality(labels) > 0"""


class TraceSettings(DetectorSettings):
    """Bounds: H hops, T seconds, and how much state a trace may hold."""

    max_hops: int = Field(default=6, ge=1, le=32)
    max_seconds: int = Field(default=6 * 3600, ge=60)
    min_fraction: float = Field(default=0.01, ge=0, le=1)  # smaller hops are dust
    peel_fresh: int = Field(default=5, ge=2)     # fresh addresses reached = a peel chain
    max_addresses: int = Field(default=64, ge=2)   # per trace
    max_traces: int = Field(default=256, ge=1)
    buffer_blocks: int = Field(default=64, ge=0)  # recent blocks kept to catch up on a lead
    hub_fanout: int = Field(default=20, ge=1)  # senders with more recent recipients: hubs
    # an address carrying a label starting with one of these is an exit (empty: any label)
    exit_labels: tuple[str, ...] = ()


class FundTracingDetector(Detector):
    """Follows leads to a bridge deposit (LAUNDERING_HOPS) or a fan-out (PEEL_CHAIN)."""

    name = "fund_tracing"
    version = "2"
    settings_model = TraceSettings
    triggers = Triggers(blocks=True)

    def __init__(self, config: TraceSettings | None = None, watched: Sequence[str] = (),
                 labels: LabelLookup | None = None,
                 entity_labels: Mapping[str, Sequence[str]] | None = None) -> None:
        self.config = config or TraceSettings()
        self._traces: deque[Trace] = deque()
        self._buffer: deque[BlockBundle] = deque()
        self._first_seen: OrderedDict[str, int] = OrderedDict()
        self._fanout: dict[str, dict[str, int]] = {}  # sender -> recipient -> transfers
        # bridges: exits, never walked through (watched ones and any emitting bridge events)
        self._escrows: set[str] = {a.lower() for a in watched}
        # entities.labels of next hops (``entity_labels``: given up front, no database)
        self._configured_labels = {a.lower(): tuple(v) for a, v in
                                   (entity_labels or {}).items()}
        self._labels: dict[str, tuple[str, ...]] = dict(self._configured_labels)
        self.labels: LabelLookup = labels or StoreLabels()  # label feeds (labels import)
        self._dangerous: dict[str, tuple[str, ...]] = {}  # feed-labelled exploit/phishing
        cfg = self.config
        self._rules = WalkRules(cfg.max_hops, cfg.min_fraction, cfg.max_addresses,
                                cfg.hub_fanout)

    @classmethod
    def from_settings(cls, settings: DetectionSettings) -> Self:
        """Bounds from ``[detect.fund_tracing]``; ``[[watch]]`` bridges are exits."""
        return cls(settings.detect.fund_tracing,
                   watched=[w.address for w in settings.watch if w.kind == "bridge"])

    async def on_block(self, block: BlockBundle, ctx: DetectionContext) -> list[Finding]:
        self._remember(block)
        findings: list[Finding] = []
        for lead in links(ctx).take_leads():
            trace = self._start(lead)
            for old in self._buffer:  # a lead from an earlier block catches up first
                if lead.block <= old.number < block.number:
                    findings += await self._walk(old, [trace], ctx)
        cutoff = block.timestamp - self.config.max_seconds
        while self._traces and self._traces[0].lead.timestamp < cutoff:
            self._traces.popleft()
        findings += await self._walk(block, list(self._traces), ctx)
        return findings

    def _start(self, lead: Lead) -> Trace:
        trace = Trace.start(lead)
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

    def _labelled_exit(self, address: str) -> bool:
        if address in self._dangerous:  # a known exploit or phishing address is always one
            return True
        labels = self._labels.get(address, ())
        wanted = self.config.exit_labels
        return any(not wanted or lb.startswith(wanted) for lb in labels)

    async def _load_labels(self, block: BlockBundle, traces: list[Trace],
                           ctx: DetectionContext) -> None:
        """Labels (exchange, mixer, sanctioned, ...) of this block's candidate next hops."""
        tainted = {a for tr in traces for a in tr.paths}
        hops = {t.to_addr for t in block.transfers if t.from_addr in tainted}
        found_feed = await self.labels.dangerous(ctx, hops - set(self._dangerous))
        self._dangerous.update({a: tuple(v) for a, v in found_feed.items()})
        wanted = sorted(hops - set(self._labels))
        if wanted and ctx.pool is not None:
            if len(self._labels) > 100_000:  # bounded; labels may also change meanwhile
                self._labels = dict(self._configured_labels)
            rows = await ctx.pool.fetch(_LABELS, ctx.chain_id, wanted)
            found = {r["address"]: tuple(r["labels"]) for r in rows}
            # NOTE: an address without labels is remembered too (as no labels), so a busy
            # trace does not ask again every block
            self._labels.update({a: found.get(a, ()) for a in wanted})

    async def _walk(self, block: BlockBundle, traces: list[Trace], ctx: DetectionContext
                    ) -> list[Finding]:
        if not traces:
            return []
        await self._load_labels(block, traces, ctx)
        locks = {(f.tx_hash, f.escrow) for f in bridge_flows(block) if f.kind == "lock"}

        def is_exit(address: str, tx: str) -> bool:
            return (tx, address) in locks or address in self._escrows \
                or self._labelled_exit(address)

        findings = []
        steps = walk_block(block, traces, self._rules, is_exit,
                           lambda a: len(self._fanout.get(a, ())))
        for trace, hop, exit_ in steps:
            if self._first_seen.get(hop.dst, block.number) >= trace.lead.block:
                trace.fresh.add(hop.dst)
            if exit_ and hop.dst not in trace.exits:
                trace.exits.add(hop.dst)
                dangerous = self._dangerous.get(hop.dst, ())
                labels = () if hop.dst in self._escrows else self._labels.get(hop.dst, ())
                findings.append(exit_finding(block, ctx.chain_id, trace, hop.dst,
                                             dangerous or labels, self.version,
                                             dangerous=bool(dangerous)))
            elif not exit_ and len(trace.fresh) >= self.config.peel_fresh * (
                    trace.peel_reported + 1):
                trace.peel_reported += 1
                findings.append(peel_finding(block, ctx.chain_id, trace, self.version))
        return findings
