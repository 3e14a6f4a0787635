"""Which graph edges a block contributes: value flows, calls, swaps, governance, bridging.

Edges are what the graph detectors walk (funding sources, laundering hops, voting
rings). Each edge event keeps its block so a reorg can subtract it again.
"""

from __future__ import annotations

from dataclasses import dataclass

from hafeniq_chain.decode.records import BlockBundle

# Event name -> (edge kind, source arg or "@tx_from"/"@address", destination arg or "@address")
_EVENT_EDGES: dict[str, tuple[str, str, str]] = {
    "Approval": ("approve", "owner", "spender"),
    "Swap": ("swap", "@tx_from", "@address"),
    "DelegateChanged": ("delegate", "delegator", "toDelegate"),
    "VoteCast": ("vote", "voter", "@address"),
    "VoteCastWithParams": ("vote", "voter", "@address"),
    "Deposit": ("bridge_deposit", "from", "@address"),
    "Withdrawal": ("bridge_withdraw", "@address", "recipient"),
}


@dataclass(frozen=True, slots=True)
class EdgeEvent:
    """One contribution to the aggregated (src, dst, kind, token) edge."""

    block_number: int
    tx_hash: str
    position: str
    src: str
    dst: str
    kind: str
    token: str
    amount: int


def edge_events_for(bundle: BlockBundle) -> list[EdgeEvent]:
    """All edge contributions of one block, in a deterministic order."""
    events: list[EdgeEvent] = []
    tx_from = {tx.hash: tx.from_addr for tx in bundle.transactions}
    for t in bundle.transfers:
        kind = "native" if t.token == "" else "erc20"
        events.append(EdgeEvent(t.block_number, t.tx_hash, t.position, t.from_addr,
                                t.to_addr, kind, t.token, t.amount))
    for tx in bundle.transactions:
        if tx.to_addr and len(tx.input) >= 4 and tx.status != 0:
            events.append(EdgeEvent(tx.block_number, tx.hash, "call", tx.from_addr, tx.to_addr,
                                    "call", "", 0))
    for lg in bundle.logs:
        spec = _EVENT_EDGES.get(lg.event_name or "")
        if spec is None or lg.decoded is None:
            continue
        kind, src_key, dst_key = spec
        src = _resolve(src_key, lg.decoded, lg.address, tx_from.get(lg.tx_hash))
        dst = _resolve(dst_key, lg.decoded, lg.address, tx_from.get(lg.tx_hash))
        if src is None or dst is None:
            continue
        amount = lg.decoded.get("amount", lg.decoded.get("value", 0))
        token = lg.decoded.get("token", "") if kind.startswith("bridge") else (
            lg.address if kind == "approve" else "")
        events.append(EdgeEvent(lg.block_number, lg.tx_hash, f"log:{lg.log_index}", src, dst,
                                kind, str(token), int(amount) if isinstance(amount, int) else 0))
    return events


def _resolve(key: str, args: dict[str, object], address: str, tx_from: str | None
             ) -> str | None:
    if key == "@address":
        return address
    if key == "@tx_from":
        return tx_from
    value = args.get(key)
    return value if isinstance(value, str) else None
