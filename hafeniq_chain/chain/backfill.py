"""Backfill a block range: a fetch / decode / write pipeline, resumable and idempotent.

Fetches run ahead concurrently (bounded) and hand the node's raw answers to worker
processes, which parse, decode and build rows (``decode_worker``); the main process only
talks to the node and COPYs. Writes happen strictly in block order, each batch in one
transaction with its cursor, so a resumed run starts right after the last batch that
landed. Batch size halves on RPC errors and grows back slowly (ethereum-etl's adaptive
batching).
"""

from __future__ import annotations

import asyncio
import multiprocessing
from collections import deque
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass

from hafeniq_chain.chain.decode_worker import (
    decode_errors_so_far,
    errors_since,
    gc_paused,
    init_worker,
    load_prepared,
    prepare_raw,
    prepare_raw_pickled,
)
from hafeniq_chain.chain.indexer import BlockIndexer
from hafeniq_chain.chain.rpc import ReceiptsUnsupported, RpcError
from hafeniq_chain.log import get_logger
from hafeniq_chain.metrics import DECODE_ERRORS
from hafeniq_chain.store.rows import PreparedBatch, prepare_batch

log = get_logger(__name__)


@dataclass
class BackfillStats:
    """What a backfill run did."""

    blocks: int = 0
    transactions: int = 0
    logs: int = 0
    decoded_logs: int = 0
    decode_errors: int = 0
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


async def _prepare(indexer: BlockIndexer, numbers: list[int], executor: Executor | None
                   ) -> PreparedBatch:
    """Fetch ``numbers`` and build their rows (in a worker process when there is one)."""
    raw = await indexer.fetch_raw(numbers)
    try:
        if executor is None:
            with gc_paused():
                return prepare_raw(raw, indexer.registry)
        batch = load_prepared(await asyncio.get_running_loop().run_in_executor(
            executor, prepare_raw_pickled, raw))
    except ReceiptsUnsupported:
        before = decode_errors_so_far()
        fallback = prepare_batch(await indexer.fetch(numbers))
        fallback.decode_errors = errors_since(before)
        return fallback
    for kind, count in batch.decode_errors.items():  # counted in the worker's own registry
        DECODE_ERRORS.labels(kind=kind).inc(count)
    return batch


async def _prepare_range(indexer: BlockIndexer, numbers: list[int], batch: AdaptiveBatch,
                         stats: BackfillStats, executor: Executor | None
                         ) -> list[PreparedBatch]:
    """Prepare ``numbers``, splitting into smaller requests whenever the node errors."""
    try:
        prepared = await _prepare(indexer, numbers, executor)
    except RpcError as exc:
        stats.rpc_errors += 1
        batch.failed()
        if len(numbers) == 1:
            raise
        log.warning("backfill.batch_failed", first=numbers[0], size=len(numbers),
                    error=str(exc)[:200])
        half = len(numbers) // 2
        return (await _prepare_range(indexer, numbers[:half], batch, stats, executor)
                + await _prepare_range(indexer, numbers[half:], batch, stats, executor))
    batch.succeeded()
    return [prepared]


def decode_pool(workers: int, indexer: BlockIndexer) -> ProcessPoolExecutor:
    """Worker processes that hold the indexer's ABI registry.

    NOTE: "spawn", not fork: the parent runs an event loop, a connection pool and
    threads, none of which a forked child may safely inherit.
    """
    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=init_worker, initargs=(indexer.registry,))


async def backfill(indexer: BlockIndexer, start: int, end: int, *, concurrency: int = 8,
                   workers: int = 2, on_progress: Callable[[int], None] | None = None
                   ) -> BackfillStats:
    """Index blocks ``start..end`` inclusive; safe to interrupt and run again.

    ``workers`` decode processes (0 = decode in this process); ``concurrency`` batches
    fetched or decoded ahead of the write.
    """
    stats = BackfillStats()
    name = cursor_name(start, end)
    done = await indexer.pool.fetchval(
        "SELECT block_number FROM cursors WHERE chain_id = $1 AND name = $2",
        indexer.chain_id, name)
    first = start if done is None else done + 1
    if done is not None:
        stats.resumed_from = first
        log.info("backfill.resumed", start=start, end=end, from_block=first)
    if first <= end:
        executor = decode_pool(workers, indexer) if workers > 0 else None
        try:
            await _pipeline(indexer, first, end, name, concurrency, executor, stats,
                            on_progress)
        finally:
            if executor is not None:
                executor.shutdown(wait=True, cancel_futures=True)
    log.info("backfill.done", start=start, end=end, blocks=stats.blocks,
             decode_errors=stats.decode_errors, rpc_errors=stats.rpc_errors)
    return stats


async def _pipeline(indexer: BlockIndexer, first: int, end: int, cursor: str,
                    concurrency: int, executor: Executor | None, stats: BackfillStats,
                    on_progress: Callable[[int], None] | None) -> None:
    # NOTE: a busy block is ~330 KiB of JSON; 100-block batches keep what is in flight
    # (raw answers, their decoded rows) to a few hundred MB at the default concurrency.
    batch = AdaptiveBatch(maximum=100)
    in_flight: deque[asyncio.Future[list[PreparedBatch]]] = deque()
    next_block = first
    try:
        while next_block <= end or in_flight:
            # NOTE: ranges are cut lazily so the adaptive batch size applies to what follows.
            while next_block <= end and len(in_flight) < concurrency:
                numbers = list(range(next_block, min(next_block + batch.size, end + 1)))
                next_block = numbers[-1] + 1
                in_flight.append(asyncio.ensure_future(
                    _prepare_range(indexer, numbers, batch, stats, executor)))
            for prepared in await in_flight.popleft():
                await indexer.store_prepared(prepared, cursor=cursor, method="copy")
                stats.blocks += len(prepared.numbers)
                stats.transactions += prepared.transactions
                stats.logs += prepared.logs
                stats.decoded_logs += prepared.decoded_logs
                stats.decode_errors += sum(prepared.decode_errors.values())
                if on_progress is not None:
                    on_progress(len(prepared.numbers))
    finally:
        for task in in_flight:
            task.cancel()
