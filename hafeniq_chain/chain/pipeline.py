"""The follower's pipeline stages: fetch ahead, store in order, detect one batch behind.

Run one after another, fetch, store and detect leave the node, PostgreSQL and this
process each idle two thirds of the time. Here:

- ``FetchAhead`` keeps up to ``depth`` consecutive batches requested from the node and
  decoded (in one worker thread, so the event loop keeps serving the other stages),
  handed out strictly in block order; when the writer falls behind, fetching stops
  (back-pressure: at most ``depth`` batches in memory).
- ``DetectBehind`` runs the block hooks of batch k while batch k+1 is being written. The
  writer awaits ``DetectBehind.wait`` as the last statement of k+1's transaction, so k+1
  commits only after k's hooks are done: under READ COMMITTED a detector reading the store
  sees exactly what it saw when the stages ran one after another.

The follower keeps the rest: order and parent-hash checks, the one transaction per batch
with its cursor, reorg repair (after draining detection, so findings about orphaned
blocks exist before they are retracted).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from hafeniq_chain.chain.indexer import BlockIndexer, NodeBlocks
from hafeniq_chain.decode.records import BlockBundle
from hafeniq_chain.log import get_logger
from hafeniq_chain.store.rows import PreparedBatch, prepare_batch

log = get_logger(__name__)

BlockHook = Callable[[BlockBundle], Awaitable[None]]
FETCH_CHUNK = 5


@dataclass
class Fetched:
    """One batch ready to write: its decoded bundles and their rows."""

    bundles: list[BlockBundle]
    batch: PreparedBatch


def _decode(indexer: BlockIndexer, raw: NodeBlocks, traces: list[Any] | None) -> Fetched:
    bundles = indexer.decode(raw, traces)
    return Fetched(bundles, prepare_batch(bundles))


async def fetch_batch(indexer: BlockIndexer, numbers: list[int],
                      decoder: ThreadPoolExecutor) -> Fetched:
    """Fetch ``numbers``, decode and build rows in ``decoder``, learn new call targets' kinds.

    NOTE: requested ``FETCH_CHUNK`` blocks at a time: a node serves one big batch request
    no faster than several small ones, and with batches fetched ahead concurrently a
    25-block request of busy blocks can outlast the read timeout on a loaded Anvil.
    """
    raw: NodeBlocks = []
    traces: list[Any] | None = [] if indexer.fetch_traces else None
    for i in range(0, len(numbers), FETCH_CHUNK):
        part_raw, part_traces = await indexer.fetch_answers(numbers[i:i + FETCH_CHUNK])
        raw += part_raw
        if traces is not None and part_traces is not None:
            traces += part_traces
    fetched = await asyncio.get_running_loop().run_in_executor(
        decoder, _decode, indexer, raw, traces)
    await indexer.entity_kinds(fetched.batch.call_targets)
    return fetched


class FetchAhead:
    """Consecutive batches ``first..last`` fetched up to ``depth`` at a time, yielded in order."""

    def __init__(self, indexer: BlockIndexer, first: int, last: int, batch_size: int,
                 depth: int, decoder: ThreadPoolExecutor) -> None:
        self.indexer, self.decoder = indexer, decoder
        self.next_block, self.last = first, last
        self.batch_size, self.depth = batch_size, max(1, depth)
        self.in_flight: deque[asyncio.Task[Fetched]] = deque()

    def _fill(self) -> None:
        while self.next_block <= self.last and len(self.in_flight) < self.depth:
            numbers = list(range(self.next_block,
                                 min(self.next_block + self.batch_size - 1, self.last) + 1))
            self.next_block = numbers[-1] + 1
            self.in_flight.append(asyncio.create_task(
                fetch_batch(self.indexer, numbers, self.decoder)))

    async def next(self) -> Fetched | None:
        """The next batch in block order, or None when ``last`` was handed out."""
        self._fill()
        if not self.in_flight:
            return None
        fetched = await self.in_flight.popleft()
        self._fill()
        return fetched

    async def close(self) -> None:
        """Drop whatever was fetched ahead (a reorg, an error, or the end)."""
        if self.in_flight:
            log.info("chain.fetched_ahead_dropped", batches=len(self.in_flight),
                     requested_up_to=self.next_block - 1)
        for task in self.in_flight:
            task.cancel()
        await asyncio.gather(*self.in_flight, return_exceptions=True)
        self.in_flight.clear()


class DetectBehind:
    """At most one batch of block hooks running behind the writer, in block order."""

    def __init__(self, hooks: Sequence[BlockHook]) -> None:
        self.hooks = list(hooks)
        self._task: asyncio.Task[None] | None = None

    async def _run(self, bundles: list[BlockBundle]) -> None:
        for bundle in bundles:
            for hook in self.hooks:
                await hook(bundle)

    def start(self, bundles: list[BlockBundle]) -> None:
        """Run the hooks over a just-committed batch (the previous one must be done)."""
        if self._task is not None and not self._task.done():
            raise RuntimeError("detection of the previous batch is still running")
        if self.hooks:
            self._task = asyncio.create_task(self._run(bundles))

    async def wait(self) -> None:
        """Until the running batch's hooks are done; re-raises their error once."""
        task, self._task = self._task, None
        if task is not None:
            await task

    async def cancel(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
