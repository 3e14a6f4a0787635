"""What a bridge escrow holds, so an outflow can be judged as a share of it.

The opening balance of an (escrow, token) comes once from a ``BalanceSource`` (by default
the indexed ERC-20 movements in ``edge_events``, complete when the indexer followed the
escrow since its creation); after that the book follows the block stream. A balance that
would go negative proves the source was incomplete: it becomes unknown (logged) and the
drain detector falls back on rates and amounts instead of guessing.
"""

from __future__ import annotations

from typing import Protocol

import asyncpg

from hafeniq_chain.log import get_logger

log = get_logger(__name__)

_NET_BEFORE = """
SELECT coalesce((SELECT sum(amount) FROM edge_events WHERE chain_id = $1 AND dst = $2
                 AND kind = 'erc20' AND token = $3 AND block_number < $4), 0)
     - coalesce((SELECT sum(amount) FROM edge_events WHERE chain_id = $1 AND src = $2
                 AND kind = 'erc20' AND token = $3 AND block_number < $4), 0)"""


class BalanceSource(Protocol):
    """Where opening balances come from (the store, a node, a test table)."""

    async def opening(self, escrow: str, token: str, before_block: int) -> int | None:
        """The escrow's balance of ``token`` before ``before_block``; None if unknown."""
        ...


class IndexedBalances:
    """Opening balances summed from the indexed transfers (``edge_events``)."""

    def __init__(self, pool: asyncpg.Pool, chain_id: int) -> None:
        self.pool = pool
        self.chain_id = chain_id

    async def opening(self, escrow: str, token: str, before_block: int) -> int | None:
        net = await self.pool.fetchval(_NET_BEFORE, self.chain_id, escrow, token, before_block)
        return int(net) if net is not None and net >= 0 else None


class EscrowBook:
    """Running balances per (escrow, token); ``None`` = unknown."""

    def __init__(self, max_scopes: int = 10_000) -> None:
        self.max_scopes = max_scopes
        self._balances: dict[tuple[str, str], int | None] = {}

    def known(self, escrow: str, token: str) -> bool:
        return (escrow, token) in self._balances

    async def open(self, escrow: str, token: str, block: int,
                   source: BalanceSource | None) -> None:
        """Load the opening balance the first time a scope is seen."""
        if (escrow, token) in self._balances or len(self._balances) >= self.max_scopes:
            return
        opening = await source.opening(escrow, token, block) if source is not None else None
        self._balances[(escrow, token)] = opening
        log.info("detect.escrow.opened", escrow=escrow, token=token, block=block,
                 balance=str(opening) if opening is not None else None)

    def balance(self, escrow: str, token: str) -> int | None:
        return self._balances.get((escrow, token))

    def move(self, escrow: str, token: str, delta: int) -> None:
        """Apply one inflow (+) or outflow (-)."""
        current = self._balances.get((escrow, token))
        if current is None:
            return
        if current + delta < 0:
            log.warning("detect.escrow.balance_unknown", escrow=escrow, token=token,
                        balance=str(current), delta=str(delta))
            self._balances[(escrow, token)] = None
            return
        self._balances[(escrow, token)] = current + delta
