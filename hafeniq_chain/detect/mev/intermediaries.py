"""Contracts that many unrelated accounts route swaps through: routers, aggregators, pools.

A sandwich bot is tied across its legs by the contract that receives the front-run's
output and pays the back-run's input. A router sits in the same place for its users (it
receives one user's WETH and pays in another's), so without telling the two apart every
router would "sandwich" its own users. The difference is behaviour: a bot contract is
driven by a handful of operator accounts, a router by everyone. So an address is an
intermediary when ``min_senders`` distinct transaction senders have routed swaps through
it (as the swap's payer or recipient) within ``window_blocks``, or when it is a pool, or
when it is on the seed list (the well-known routers, plus configured ones). Learned
intermediaries stay learned; the per-address sender sets are bounded by ``min_senders``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from hafeniq_chain.decode.records import SwapRecord
from hafeniq_chain.log import get_logger

log = get_logger(__name__)


class IntermediaryBook:
    """Learns intermediaries from swaps, block by block (call ``observe`` first)."""

    def __init__(self, seed: Iterable[str] = (), min_senders: int = 6,
                 window_blocks: int = 2_000) -> None:
        self.seed = frozenset(a.lower() for a in seed)
        self.min_senders = min_senders
        self.window_blocks = window_blocks
        self.learned: set[str] = set()
        self.pools: set[str] = set()
        self._senders: dict[str, dict[str, int]] = {}  # contract -> tx sender -> last block
        self._last_prune = 0

    def observe(self, swaps: Sequence[SwapRecord], block_number: int) -> None:
        """Count who routed through whom in one block (before judging that block)."""
        self.pools.update(s.pool for s in swaps)
        for s in swaps:
            for via in {s.sender, s.recipient}:
                if (not via or via == s.tx_from or via in self.learned or via in self.seed
                        or via in self.pools):
                    continue
                seen = self._senders.setdefault(via, {})
                seen[s.tx_from] = block_number
                if len(seen) >= self.min_senders:
                    self.learned.add(via)
                    del self._senders[via]
                    log.debug("detect.intermediary.learned", address=via,
                             senders=self.min_senders, block=block_number)
        if block_number - self._last_prune >= 100:
            self._prune(block_number)

    def _prune(self, block_number: int) -> None:
        horizon = block_number - self.window_blocks
        for via in list(self._senders):
            kept = {k: b for k, b in self._senders[via].items() if b > horizon}
            if kept:
                self._senders[via] = kept
            else:
                del self._senders[via]
        self._last_prune = block_number

    def is_intermediary(self, address: str | None) -> bool:
        return (not address or address in self.seed or address in self.pools
                or address in self.learned)

    def senders_of(self, address: str) -> int:
        """Distinct transaction senders seen routing through ``address`` (for details)."""
        if address in self.learned:
            return self.min_senders
        return len(self._senders.get(address, {}))
