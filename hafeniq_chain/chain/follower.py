"""Follow the chain head from the stored cursor: no gaps, no duplicates, reorgs repaired.

Every step starts from the cursor in PostgreSQL, so a restart, a reconnect or a
missed notification is repaired by the next ``catch_up``. A block whose parent hash
does not match the stored block below it means a reorg: walk back to the common
ancestor, remove the orphaned branch (retracting its findings) and index the new one.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable, Sequence

from hafeniq_chain.chain.indexer import BlockIndexer
from hafeniq_chain.decode.records import BlockBundle
from hafeniq_chain.log import get_logger
from hafeniq_chain.metrics import HEAD_LAG_BLOCKS, REORGS
from hafeniq_chain.store.reorg import remove_blocks_from

log = get_logger(__name__)

BlockHook = Callable[[BlockBundle], Awaitable[None]]


class ReorgTooDeep(RuntimeError):
    """No common ancestor within ``max_reorg_depth``: a human must look at this chain."""


class Follower:
    """Indexes blocks from the cursor up to ``head - confirmations``."""

    def __init__(self, indexer: BlockIndexer, *, cursor: str = "head", confirmations: int = 0,
                 max_reorg_depth: int = 64, batch_size: int = 25, start_block: int | None = None,
                 hooks: Sequence[BlockHook] = (), mempool_active: bool = False) -> None:
        self.indexer = indexer
        self.cursor = cursor
        self.confirmations = confirmations
        self.max_reorg_depth = max_reorg_depth
        self.batch_size = batch_size
        self.start_block = start_block
        self.hooks = list(hooks)
        self.mempool_active = mempool_active
        self.wakeup = asyncio.Event()

    @property
    def chain_id(self) -> int:
        return self.indexer.chain_id

    async def _cursor(self) -> tuple[int, str | None] | None:
        row = await self.indexer.pool.fetchrow(
            "SELECT block_number, block_hash FROM cursors WHERE chain_id = $1 AND name = $2",
            self.chain_id, self.cursor)
        return (row["block_number"], row["block_hash"]) if row else None

    async def catch_up(self) -> int:
        """Index everything the node has that we have not; returns blocks indexed."""
        head = await self.indexer.rpc.block_number()
        target = head - self.confirmations
        indexed = 0
        while True:
            stored = await self._cursor()
            if stored is None:
                last, last_hash = (self.start_block if self.start_block is not None
                                   else target) - 1, None
            else:
                last, last_hash = stored
            HEAD_LAG_BLOCKS.set(max(0, head - max(last, 0)))
            if last >= target:
                return indexed
            numbers = list(range(last + 1, min(last + self.batch_size, target) + 1))
            bundles = await self.indexer.fetch(numbers)
            if last_hash is not None and bundles[0].parent_hash != last_hash:
                await self._repair_reorg(last)
                continue
            if any(b.parent_hash != a.hash for a, b in itertools.pairwise(bundles)):
                log.info("chain.branch_changed_during_fetch", first=numbers[0])
                continue
            await self.indexer.store(bundles, cursor=self.cursor,
                                     mempool_active=self.mempool_active)
            indexed += len(bundles)
            for bundle in bundles:
                for hook in self.hooks:
                    await hook(bundle)

    async def _repair_reorg(self, last: int) -> None:
        """Walk back to the common ancestor and drop the orphaned branch."""
        pool, rpc = self.indexer.pool, self.indexer.rpc
        low = max(0, last - self.max_reorg_depth)
        numbers = list(range(last, low - 1, -1))
        stored = {r["number"]: r["hash"] for r in await pool.fetch(
            "SELECT number, hash FROM blocks WHERE chain_id = $1 AND number BETWEEN $2 AND $3",
            self.chain_id, low, last)}
        canonical = await rpc.block_hashes(numbers)
        ancestor = next((n for n in numbers if stored.get(n) and stored[n] == canonical[n]), None)
        if ancestor is None:
            log.error("chain.reorg_too_deep", last=last, max_depth=self.max_reorg_depth)
            raise ReorgTooDeep(f"no common ancestor within {self.max_reorg_depth} blocks of {last}")
        depth = last - ancestor
        async with pool.acquire() as conn, conn.transaction():
            if self.indexer.fence is not None:  # only the lease owner may rewind the chain
                await self.indexer.fence(conn)
            retracted = await remove_blocks_from(conn, self.chain_id, ancestor + 1)
            await conn.execute(
                "UPDATE cursors SET block_number = $3, block_hash = $4, updated_at = now() "
                "WHERE chain_id = $1 AND name = $2", self.chain_id, self.cursor, ancestor,
                stored[ancestor])
        REORGS.inc()
        log.warning("chain.reorg", depth=depth, ancestor=ancestor,
                    retracted_findings=len(retracted))

    async def run(self, stop: asyncio.Event, poll_interval_s: float) -> None:
        """Catch up whenever woken (new head) or every ``poll_interval_s``, until ``stop``."""
        while not stop.is_set():
            await self.catch_up()
            self.wakeup.clear()
            waiters = [asyncio.ensure_future(self.wakeup.wait()),
                       asyncio.ensure_future(stop.wait())]
            _, pending = await asyncio.wait(waiters, timeout=poll_interval_s,
                                            return_when=asyncio.FIRST_COMPLETED)
            for task in pending:
                task.cancel()
