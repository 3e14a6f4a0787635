"""Walking tainted funds forward, one block at a time: hops, splits, merges and swaps.

Why apart from the detector: the walk is the part with the rules (what counts as the
same money moving on) and is worth testing on plain blocks. A trace holds, per tainted
address, the ordered path of hops from the lead, and the tokens the proceeds are in: a
transfer of a tainted token out of a tainted address is a hop (a split when it sends
several, a merge when branches meet); a transfer of another token *to* a tainted address
in the same transaction in which it sent a tainted one is a swap, and that token becomes
tainted from there on. ``max_hops`` bounds the transfers walked from the lead holder; the
step into an exit (bridge deposit, labelled address) may come after the last one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from hafeniq_chain.decode.records import BlockBundle, TransferRecord
from hafeniq_chain.detect.bridge.incident_links import Lead


@dataclass(frozen=True)
class Hop:
    """One step of a path: ``amount`` of ``token`` from ``src`` to ``dst`` (``via`` a pool
    when the step is a swap, src == dst then)."""

    src: str
    dst: str
    tx_hash: str
    block: int
    amount: int
    token: str = ""
    via: str = ""

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"from": self.src, "to": self.dst, "tx": self.tx_hash,
                                  "block": self.block, "amount": str(self.amount),
                                  "token": self.token}
        if self.via:
            out["via"] = self.via
        return out


@dataclass
class Trace:
    """One lead being followed."""

    lead: Lead
    paths: dict[str, tuple[Hop, ...]] = field(default_factory=dict)
    tokens: dict[str, int] = field(default_factory=dict)  # tainted token -> reference amount
    fresh: set[str] = field(default_factory=set)
    exits: set[str] = field(default_factory=set)
    peel_reported: int = 0
    order: list[Hop] = field(default_factory=list)  # every hop taken, as it happened

    @classmethod
    def start(cls, lead: Lead) -> Trace:
        trace = cls(lead, tokens={lead.token: lead.amount})
        first = Hop("", lead.holder, lead.tx_hash, lead.block, lead.amount, lead.token)
        trace.paths[lead.holder] = (first,)
        trace.order.append(first)
        return trace

    def transfers(self, path: tuple[Hop, ...]) -> int:
        """Transfers walked from the lead holder (swaps are not hops of their own)."""
        return sum(1 for h in path[1:] if not h.via)


@dataclass(frozen=True)
class WalkRules:
    max_hops: int
    min_fraction: float
    max_addresses: int
    hub_fanout: int


Step = tuple[Trace, Hop, bool]  # the trace, the hop taken, whether it ends at an exit


def walk_block(block: BlockBundle, traces: list[Trace], rules: WalkRules,
               is_exit: Callable[[str, str], bool], fanout: Callable[[str], int]
               ) -> list[Step]:
    """Every hop the traces take in ``block`` (transfer order), exits flagged."""
    steps: list[Step] = []
    by_tx: dict[str, list[TransferRecord]] = defaultdict(list)
    for t in sorted(block.transfers, key=lambda t: (t.tx_index, t.position)):
        by_tx[t.tx_hash].append(t)
    holding: dict[str, list[Trace]] = defaultdict(list)  # tainted address -> its traces
    for trace in traces:
        for address in trace.paths:
            holding[address].append(trace)
    for transfers in by_tx.values():
        # NOTE: only traces holding a sender of this tx can move; a block's cost is its
        # transfers, not transfers x live traces
        movers = {id(tr): tr for t in transfers for tr in holding.get(t.from_addr, ())}
        for trace in movers.values():
            taken = _walk_tx(block, trace, transfers, rules, is_exit, fanout)
            for _, hop, _ in taken:
                holding[hop.dst].append(trace)
            steps += taken
    return steps


def _swap_outputs(trace: Trace, transfers: list[TransferRecord]
                  ) -> dict[str, list[TransferRecord]]:
    """Tainted address -> untainted tokens it got back in a tx where it paid a tainted one."""
    paid = {t.from_addr for t in transfers
            if t.from_addr in trace.paths and t.token in trace.tokens}
    out: dict[str, list[TransferRecord]] = defaultdict(list)
    for t in transfers:
        if t.to_addr in paid and t.token not in trace.tokens and t.amount > 0 \
                and t.from_addr not in trace.paths:
            out[t.to_addr].append(t)
    return out


def _walk_tx(block: BlockBundle, trace: Trace, transfers: list[TransferRecord],
             rules: WalkRules, is_exit: Callable[[str, str], bool],
             fanout: Callable[[str], int]) -> list[Step]:
    lead, steps = trace.lead, []
    if (block.number, transfers[0].tx_index) <= (lead.block, lead.tx_index):
        return []
    swaps = _swap_outputs(trace, transfers)
    for t in transfers:
        path = trace.paths.get(t.from_addr)
        if path is None or t.token not in trace.tokens or t.from_addr == t.to_addr \
                or t.from_addr in swaps or t.from_addr in trace.exits:
            # a swap's input leg (the pool is no holder), or funds already gone
            continue
        exit_ = is_exit(t.to_addr, t.tx_hash)
        walked = trace.transfers(path)
        if walked > rules.max_hops or (walked == rules.max_hops and not exit_) \
                or t.to_addr in trace.paths or len(trace.paths) >= rules.max_addresses \
                or t.amount < rules.min_fraction * trace.tokens[t.token] \
                or fanout(t.from_addr) > rules.hub_fanout:
            continue
        hop = Hop(t.from_addr, t.to_addr, t.tx_hash, block.number, t.amount, t.token)
        trace.paths[t.to_addr] = (*path, hop)
        trace.order.append(hop)
        steps.append((trace, hop, exit_))
    for holder, outputs in swaps.items():
        for t in outputs:
            trace.tokens.setdefault(t.token, t.amount)
            hop = Hop(holder, holder, t.tx_hash, block.number, t.amount, t.token,
                      via=t.from_addr)
            trace.paths[holder] = (*trace.paths[holder], hop)
            trace.order.append(hop)
    return steps
