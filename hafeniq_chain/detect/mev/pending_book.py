"""The pending swaps a pre-inclusion detector is watching, by market, with expiry.

Sightings can arrive after the block that includes them (the subscription and the block
follower run side by side), so recently mined hashes are remembered and late sightings
ignored; entries no block included within ``expiry_blocks`` are dropped, so a flood of
never-mined transactions cannot grow memory.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from hafeniq_chain.decode.records import PendingTxRecord
from hafeniq_chain.detect.mev.pending_intent import SwapIntent, priority_fee


@dataclass(frozen=True)
class PendingSwap:
    """One pending transaction with the swap it wants; ``simulated`` = read from a trace."""

    tx: PendingTxRecord
    intent: SwapIntent
    seen_block: int | None
    simulated: bool = False

    @property
    def tip(self) -> int:
        return priority_fee(self.tx)

    @property
    def sender(self) -> str:
        return self.tx.from_addr


class PendingBook:
    """Pending swaps by hash; mined and expired ones leave it at each block."""

    def __init__(self, expiry_blocks: int) -> None:
        self.expiry_blocks = expiry_blocks
        self.swaps: dict[str, PendingSwap] = {}
        self._mined: deque[set[str]] = deque(maxlen=expiry_blocks)
        self.head: int | None = None

    def is_mined(self, tx_hash: str) -> bool:
        return any(tx_hash in hashes for hashes in self._mined)

    def add(self, swap: PendingSwap) -> None:
        self.swaps[swap.tx.hash] = swap

    def market(self, market: str) -> list[PendingSwap]:
        return [s for s in self.swaps.values() if s.intent.market == market]

    def has_swap_from(self, sender: str) -> bool:
        return any(s.sender == sender for s in self.swaps.values())

    def lowest_tip_of_others(self, sender: str) -> int | None:
        tips = [s.tip for s in self.swaps.values() if s.sender != sender]
        return min(tips) if tips else None

    def on_block(self, number: int, mined: set[str]) -> None:
        """Forget what this block included and what waited longer than the expiry."""
        self.head = number
        self._mined.append(mined)
        for tx_hash, swap in list(self.swaps.items()):
            seen = swap.seen_block if swap.seen_block is not None else number
            if tx_hash in mined or number - seen >= self.expiry_blocks:
                del self.swaps[tx_hash]
