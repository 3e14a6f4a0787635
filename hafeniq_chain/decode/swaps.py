"""SwapRecords from call traces (pool swap calls) or from logs (Swap events).

Trace path: a pool's ``swap`` call is a swap when tokens reach the pool (before or
inside the call) and exactly one transfer leaves the pool for the recipient inside it.
The pool kinds are declared as a spec list, so adding a protocol is one entry.
Log path: ``log_swaps`` (Uniswap V2/V3/V4, Balancer V2, Curve, by event signature).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import groupby

from hafeniq_chain.decode.log_swaps import V2_SWAP as LOG_V2_SWAP
from hafeniq_chain.decode.records import CallRecord, SwapRecord, TransferRecord
from hafeniq_chain.decode.traces import (
    is_descendant,
    outermost,
    transfer_from_call,
    word_address,
)

Recipient = Callable[[CallRecord], str | None]


def _arg_address(index: int) -> Recipient:
    """Static argument ``index`` as an address; None when the calldata is too short."""
    def pick(call: CallRecord) -> str | None:
        if len(call.input) < 4 + 32 * (index + 1):
            return None
        return word_address(call.input, index)
    return pick


@dataclass(frozen=True)
class PoolSwapSpec:
    """How to read one protocol's swap call: selector, protocol and who receives."""

    selector: str
    protocol: str
    recipient: Recipient


POOL_SWAP_SPECS: tuple[PoolSwapSpec, ...] = (
    PoolSwapSpec("0x022c0d9f", "uniswap_v2", _arg_address(2)),  # swap(a0Out, a1Out, to, data)
    PoolSwapSpec("0x128acb08", "uniswap_v3", _arg_address(0)),  # swap(recipient, ...)
    PoolSwapSpec("0x8201aa3f", "balancer_v1", lambda call: call.from_addr),  # swapExactAmountIn
    PoolSwapSpec("0x7c5e9ea4", "balancer_v1", lambda call: call.from_addr),  # swapExactAmountOut
)
_SPECS = {spec.selector: spec for spec in POOL_SWAP_SPECS}


def _swap_from_call(call: CallRecord, tx_from: str, recipient: str,
                    prior: Sequence[TransferRecord], children: Sequence[TransferRecord],
                    protocol: str) -> SwapRecord | None:
    pool = call.to_addr
    if pool is None:
        return None
    into_pool: list[TransferRecord]
    if call.value > 0:
        into_pool = [TransferRecord(call.block_number, call.tx_hash, call.tx_index, "", "",
                                    call.from_addr, pool, call.value)]
    else:
        into_pool = [t for t in prior if t.to_addr == pool] or [
            t for t in children if t.to_addr == pool]
    out = [t for t in children if t.from_addr == pool and t.to_addr == recipient]
    if not into_pool or len(out) != 1 or into_pool[-1].token == out[0].token:
        return None
    t_in, t_out = into_pool[-1], out[0]
    return SwapRecord(
        block_number=call.block_number, tx_hash=call.tx_hash, tx_index=call.tx_index,
        position="trace:" + ".".join(map(str, call.trace_address)), protocol=protocol,
        pool=pool, tx_from=tx_from, sender=t_in.from_addr, recipient=t_out.to_addr,
        token_in=t_in.token, token_out=t_out.token, amount_in=t_in.amount,
        amount_out=t_out.amount, source="trace", error=call.error)


def swaps_from_calls(calls: Sequence[CallRecord]) -> list[SwapRecord]:
    """Every pool swap in a block's call traces, in (transaction, trace) order."""
    swaps: list[SwapRecord] = []
    ordered = sorted(calls, key=lambda c: (c.tx_index, c.tx_hash, c.trace_address))
    for _, group in groupby(ordered, key=lambda c: c.tx_hash):
        tx_calls = list(group)
        tx_from = next((c.from_addr for c in tx_calls if not c.trace_address), "")
        moves = [(c, t) for c in tx_calls if (t := transfer_from_call(c)) is not None]
        moved_by = {id(c): t for c, t in moves}
        prior: list[tuple[CallRecord, TransferRecord]] = []
        for call in tx_calls:
            if id(call) in moved_by:
                # NOTE: plain ETH sends only count as transfers *inside* a swap call.
                if moved_by[id(call)].token:
                    prior.append((call, moved_by[id(call)]))
                continue
            spec = _SPECS.get(call.selector or "")
            if spec is None:
                continue
            recipient = spec.recipient(call)
            if recipient is None:
                continue
            children = outermost((c, t) for c, t in moves
                                 if is_descendant(c.trace_address, call.trace_address))
            swap = _swap_from_call(call, tx_from, recipient, [t for _, t in outermost(prior)],
                                   [t for _, t in children], spec.protocol)
            if swap is not None:
                swaps.append(swap)
    return swaps


# Log-based swaps live in ``log_swaps``; the V2 event topic is also read here by others.
V2_SWAP = LOG_V2_SWAP
