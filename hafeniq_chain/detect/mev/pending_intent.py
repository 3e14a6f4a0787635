"""What a pending transaction wants to swap: market and direction, from its calldata alone.

Pre-inclusion detection cannot see logs or traces, so the intent is read from the input:
Uniswap V2 router swaps (first hop of ``path``) and direct pair ``swap`` calls. The market
key is the pair of tokens behind a router or the pair address itself; unknown selectors
and malformed calldata give None (counted by the caller), never an exception. A bot that
trades through its own contract hides the swap one call deeper: ``intent_from_calls``
reads the same shapes from the inner calls of a simulated pending transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from eth_abi.abi import decode

from hafeniq_chain.decode.records import PendingTxRecord

# selector -> (argument types, index of the ``path`` argument)
ROUTER_SWAPS: dict[str, tuple[list[str], int]] = {
    "0x38ed1739": (["uint256", "uint256", "address[]", "address", "uint256"], 2),
    "0x8803dbee": (["uint256", "uint256", "address[]", "address", "uint256"], 2),
    "0x18cbafe5": (["uint256", "uint256", "address[]", "address", "uint256"], 2),
    "0x4a25d94a": (["uint256", "uint256", "address[]", "address", "uint256"], 2),
    "0x5c11d795": (["uint256", "uint256", "address[]", "address", "uint256"], 2),
    "0x7ff36ab5": (["uint256", "address[]", "address", "uint256"], 1),
    "0xfb3bdb41": (["uint256", "address[]", "address", "uint256"], 1),
    "0xb6f9de95": (["uint256", "address[]", "address", "uint256"], 1),
}
PAIR_SWAP = "0x022c0d9f"  # swap(uint256 amount0Out, uint256 amount1Out, address to, bytes)


@dataclass(frozen=True)
class SwapIntent:
    """``market`` identifies the pool; ``direction`` is the token the swap pays in."""

    market: str
    direction: str


def priority_fee(tx: PendingTxRecord) -> int:
    """What the sender bids to the block builder (tip, or legacy gas price)."""
    if tx.max_priority_fee is not None:
        return tx.max_priority_fee
    return tx.gas_price or 0


def swap_intent(tx: PendingTxRecord) -> SwapIntent | None:
    """The swap a pending transaction asks for directly in its calldata, if any."""
    return call_intent(tx.to_addr, tx.input)


def call_intent(to_addr: str | None, data: bytes) -> SwapIntent | None:
    """The swap one call (to ``to_addr`` with ``data``) asks for, if it is a known shape."""
    if to_addr is None or len(data) < 4:
        return None
    to_addr = to_addr.lower()
    selector = "0x" + data[:4].hex()
    try:
        if selector in ROUTER_SWAPS:
            types, path_index = ROUTER_SWAPS[selector]
            path = [a.lower() for a in decode(types, data[4:])[path_index]]
            if len(path) < 2:
                return None
            pair = ":".join(sorted(path[:2]))
            return SwapIntent(market=f"{to_addr}:{pair}", direction=path[0])
        if selector == PAIR_SWAP:
            out0, _out1 = decode(["uint256", "uint256", "address", "bytes"], data[4:])[:2]
            return SwapIntent(market=to_addr, direction="token1" if out0 else "token0")
    except Exception:  # malformed calldata: caller counts and logs the skip
        return None
    return None


def intent_from_calls(calls: Sequence[tuple[str, bytes]]) -> SwapIntent | None:
    """The first swap among a simulated transaction's inner calls (outermost first)."""
    for to_addr, data in calls:
        intent = call_intent(to_addr, data)
        if intent is not None:
            return intent
    return None
