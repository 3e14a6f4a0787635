"""What a pending transaction wants to swap: market and direction, from its calldata alone.

Pre-inclusion detection cannot see logs or traces, so the intent is read from the input:
Uniswap V2 router swaps (first hop of ``path``) and direct pair ``swap`` calls. The market
key is the pair of tokens behind a router or the pair address itself; unknown selectors
and malformed calldata give None (counted by the caller), never an exception.
"""

from __future__ import annotations

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
    if tx.to_addr is None or len(tx.input) < 4:
        return None
    selector = "0x" + tx.input[:4].hex()
    try:
        if selector in ROUTER_SWAPS:
            types, path_index = ROUTER_SWAPS[selector]
            path = [a.lower() for a in decode(types, tx.input[4:])[path_index]]
            if len(path) < 2:
                return None
            pair = ":".join(sorted(path[:2]))
            return SwapIntent(market=f"{tx.to_addr}:{pair}", direction=path[0])
        if selector == PAIR_SWAP:
            out0, _out1 = decode(["uint256", "uint256", "address", "bytes"], tx.input[4:])[:2]
            return SwapIntent(market=tx.to_addr, direction="token1" if out0 else "token0")
    except Exception:  # malformed calldata: caller counts and logs the skip
        return None
    return None
