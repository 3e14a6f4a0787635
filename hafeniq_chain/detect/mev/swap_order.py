"""Ordering helpers shared by the swap-based detectors."""

from __future__ import annotations

from hafeniq_chain.decode.records import SwapRecord


def position_key(swap: SwapRecord) -> tuple[int, ...]:
    """A swap's place inside its transaction: trace address, or log index for log swaps."""
    kind, _, rest = swap.position.partition(":")
    if not rest:
        return ()
    return tuple(int(x) for x in rest.split(".")) if kind == "trace" else (int(rest),)


def block_order(swap: SwapRecord) -> tuple[int, tuple[int, ...]]:
    return swap.tx_index, position_key(swap)
