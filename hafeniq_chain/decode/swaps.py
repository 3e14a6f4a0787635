"""SwapRecords from call traces (pool swap calls) or from logs (Swap events).

Trace path: a pool's ``swap`` call is a swap when tokens reach the pool (before or
inside the call) and exactly one transfer leaves the pool for the recipient inside it.
The pool kinds are declared as a spec list, so adding a protocol is one entry.
Log path: Uniswap V2/V3 ``Swap`` events give amounts; tokens come from the Transfer
events around them in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import groupby

from hafeniq_chain.decode.records import CallRecord, LogRecord, SwapRecord, TransferRecord
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


V2_SWAP = "0xd78ad95fa46c994b6551d0da85fc275fe613ce37657fb8d5e3d130840159d822"
V3_SWAP = "0xc42079f94a6350d7e6235f29174924f928cc2ac818eb64fed8004e115fbcca67"
V2_SYNC = "0x1c411e9a96e071241c2f21f7726b17ae89e3cab4c78be50e062b03a9fffbbad1"
Q96 = 2**96


def swaps_from_logs(logs: Sequence[LogRecord], transfers: Sequence[TransferRecord],
                    tx_from: dict[str, str]) -> list[SwapRecord]:
    """Uniswap V2/V3 swaps from Swap events; tokens from Transfers into/out of the pool."""
    swaps = []
    syncs = {(lg.tx_hash, lg.address, lg.log_index): lg for lg in logs if lg.topic0 == V2_SYNC}
    by_tx: dict[str, list[TransferRecord]] = {}
    for t in transfers:
        if t.token:
            by_tx.setdefault(t.tx_hash, []).append(t)
    for lg in logs:
        if lg.topic0 not in (V2_SWAP, V3_SWAP) or len(lg.topics) < 3:
            continue
        moved = by_tx.get(lg.tx_hash, [])
        recipient = "0x" + lg.topics[2][-40:]
        t_in = [t for t in moved if t.to_addr == lg.address]
        t_out = [t for t in moved if t.from_addr == lg.address and t.to_addr == recipient]
        if not t_in or not t_out:
            continue
        # NOTE: the transfer in closest before this swap's log is the one that paid for it.
        before = [t for t in t_in if _log_index(t) < lg.log_index] or t_in
        tin, tout = before[-1], t_out[0]
        reserves = _reserves_before(lg, syncs.get((lg.tx_hash, lg.address, lg.log_index - 1)))
        swaps.append(SwapRecord(
            block_number=lg.block_number, tx_hash=lg.tx_hash, tx_index=lg.tx_index,
            position=f"log:{lg.log_index}",
            protocol="uniswap_v2" if lg.topic0 == V2_SWAP else "uniswap_v3", pool=lg.address,
            tx_from=tx_from.get(lg.tx_hash, ""), sender=tin.from_addr, recipient=recipient,
            token_in=tin.token, token_out=tout.token, amount_in=tin.amount,
            amount_out=tout.amount, source="log",
            reserve_in=reserves[0] if reserves else None,
            reserve_out=reserves[1] if reserves else None))
    return swaps


def _word(data: bytes, i: int, signed: bool = False) -> int:
    return int.from_bytes(data[32 * i:32 * i + 32], "big", signed=signed)


def _reserves_before(lg: LogRecord, sync: LogRecord | None) -> tuple[int, int] | None:
    """(reserve of token in, reserve of token out) before the swap, from the logs.

    V2: the pair emits ``Sync`` (reserves after) right before ``Swap``; adding back what
    went out and taking away what came in gives the reserves the swap priced against.
    V3: virtual reserves of the active range, x = L / sqrtP and y = L * sqrtP (after the
    swap, from the event), moved back by the swap's signed amounts; exact within a tick.
    Victim-harm figures use them; None when the event is short or the pool is empty.
    """
    try:
        if lg.topic0 == V2_SWAP and sync is not None and len(lg.data) >= 128:
            a0_in, a1_in, a0_out, a1_out = (_word(lg.data, i) for i in range(4))
            r0 = _word(sync.data, 0) - a0_in + a0_out
            r1 = _word(sync.data, 1) - a1_in + a1_out
            return (r0, r1) if a0_in > 0 else (r1, r0)
        if lg.topic0 == V3_SWAP and len(lg.data) >= 160:
            a0, a1 = _word(lg.data, 0, True), _word(lg.data, 1, True)
            sqrt_p, liquidity = _word(lg.data, 2), _word(lg.data, 3)
            if sqrt_p == 0 or liquidity == 0:
                return None
            x = liquidity * Q96 // sqrt_p - a0
            y = liquidity * sqrt_p // Q96 - a1
            return (x, y) if a0 > 0 else (y, x)
    except (IndexError, ValueError):
        return None
    return None


def _log_index(t: TransferRecord) -> int:
    return int(t.position.split(":")[1]) if t.position.startswith("log:") else -1
