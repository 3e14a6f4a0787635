"""Backfill a block range: concurrent fetches, in-order COPY writes, resumable, idempotent.

Fetches run ahead concurrently (bounded), writes happen strictly in block order, each
batch in one transaction with its cursor, so a resumed run starts right after the last
batch that landed. Batch size halves on RPC errors and grows back slowly (ethereum-etl's
adaptive batching).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from hafeniq_chain.chain.indexer import BlockIndexer
from hafeniq_chain.chain.rpc import RpcError
from hafeniq_chain.decode.records import BlockBundle
from hafeniq_chain.log import get_logger

log = get_logger(__name__)


@dataclass
class BackfillStats:
    """What a backfill run did."""

    blocks: int = 0
    transactions: int = 0
    logs: int = 0
    decoded_logs: int = 0
    rpc_errors: int = 0
    resumed_from: int | None = None


class AdaptiveBatch:
    """Halve on failure, grow by a quarter after ``grow_after`` straight successes."""

    def __init__(self, initial: int = 20, minimum: int = 1, maximum: int = 200,
                 grow_after: int = 8) -> None:
        self.size, self.minimum, self.maximum, self.grow_after = initial, minimum, maximum, \
            grow_after
        self._streak = 0

    def failed(self) -> None:
        self.size = max(self.minimum, self.size // 2)
        self._streak = 0

    def succeeded(self) -> None:
        self._streak += 1
        if self._streak >= self.grow_after:
            self.size = min(self.maximum, self.size + max(1, self.size // 4))
            self._streak = 0


def cursor_name(start: int, end: int) -> str:
    return f"backfill:{start}-{end}"


async def _fetch_range(indexer: BlockIndexer, numbers: list[int], batch: AdaptiveBatch,
                       stats: BackfillStats) -> list[BlockBundle]:
    """Fetch ``numbers``, splitting into smaller requests whenever the node errors."""
    try:
        bundles = await indexer.fetch(numbers)
    except RpcError as exc:
        stats.rpc_errors += 1
        batch.failed()
        if len(numbers) == 1:
            raise
        log.warning("backfill.batch_failed", first=numbers[0], size=len(numbers),
                    error=str(exc)[:200])
        half = len(numbers) // 2
        return (await _fetch_range(indexer, numbers[:half], batch, stats)
                + await _fetch_range(indexer, numbers[half:], batch, stats))
    batch.succeeded()
    return bundles


async def backfill(indexer: BlockIndexer, start: int, end: int, *, concurrency: int = 4,
                   on_progress: Callable[[int], None] | None = None) -> BackfillStats:
    """Index blocks ``start..end`` inclusive; safe to interrupt and run again."""
    stats = BackfillStats()
    name = cursor_name(start, end)
    done = await indexer.pool.fetchval(
        "SELECT block_number FROM cursors WHERE chain_id = $1 AND name = $2",
        indexer.chain_id, name)
    first = start if done is None else done + 1
    if done is not None:
        stats.resumed_from = first
        log.info("backfill.resumed", start=start, end=end, from_block=first)
    batch = AdaptiveBatch()
    in_flight: deque[asyncio.Future[list[BlockBundle]]] = deque()
    next_block = first
    try:
        while next_block <= end or in_flight:
            # NOTE: ranges are cut lazily so the adaptive batch size applies to what follows.
            while next_block <= end and len(in_flight) < concurrency:
                numbers = list(range(next_block, min(next_block + batch.size, end + 1)))
                next_block = numbers[-1] + 1
                in_flight.append(asyncio.ensure_future(
                    _fetch_range(indexer, numbers, batch, stats)))
            bundles = await in_flight.popleft()
            await indexer.store(bundles, cursor=name, method="copy")
            stats.blocks += len(bundles)
            stats.transactions += sum(len(b.transactions) for b in bundles)
            stats.logs += sum(len(b.logs) for b in bundles)
            stats.decoded_logs += sum(1 for b in bundles for lg in b.logs if lg.event_name)
            if on_progress is not None:
                on_progress(len(bundles))
    finally:
        for task in in_flight:
            task.cancel()
    log.info("backfill.done", start=start, end=end, blocks=stats.blocks,
             rpc_errors=stats.rpc_errors)
    return stats
