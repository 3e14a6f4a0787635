"""Fetch, decode and store blocks: the unit of work shared by follower and backfill."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import asyncpg

from hafeniq_chain.chain.decode_worker import RawBlocks
from hafeniq_chain.chain.rpc import RpcClient, block_calls
from hafeniq_chain.chain.trace_source import add_block_traces, choose_trace_method, trace_calls
from hafeniq_chain.decode.abi_registry import AbiRegistry
from hafeniq_chain.decode.normalize import normalize_block
from hafeniq_chain.decode.records import BlockBundle
from hafeniq_chain.store.database import Connection
from hafeniq_chain.store.rows import PreparedBatch, prepare_batch
from hafeniq_chain.store.writer import WriteMethod, write_prepared

NodeBlocks = list[tuple[dict[str, Any], list[dict[str, Any]]]]

# Runs first inside every write's transaction and raises to refuse it (store/lease.py).
Fence = Callable[[Connection], Awaitable[None]]


class BlockIndexer:
    """Turns block numbers into stored, decoded blocks; caches which addresses are contracts."""

    def __init__(self, rpc: RpcClient, pool: asyncpg.Pool, chain_id: int,
                 registry: AbiRegistry | None = None, *, source: str = "node",
                 fetch_traces: bool = False) -> None:
        self.rpc = rpc
        self.pool = pool
        self.chain_id = chain_id
        self.registry = registry or AbiRegistry.load()
        self.source = source
        self.fetch_traces = fetch_traces
        self.trace_method: str | None = None
        self._kinds: dict[str, str] = {}
        # NOTE: set by the daemon to the mempool buffer's flush: sightings are written
        # before a block judges which of its transactions were never seen pending.
        self.before_judging: Callable[[], Awaitable[object]] | None = None
        self.fence: Fence | None = None  # set by the daemon when the chain is leased

    async def _trace_method(self, number: int) -> str:
        """The node's tracing method, found once (TracesUnavailable when it has none)."""
        if self.trace_method is None:
            self.trace_method = await choose_trace_method(self.rpc, number)
        return self.trace_method

    async def fetch(self, numbers: Sequence[int]) -> list[BlockBundle]:
        """Blocks + receipts (+ traces when enabled) from the node, decoded into bundles."""
        return self.decode(*await self.fetch_answers(numbers))

    async def fetch_answers(self, numbers: Sequence[int]) -> tuple[NodeBlocks, list[Any] | None]:
        """The node's parsed answers for ``numbers``: (block, receipts) pairs and traces."""
        raw = await self.rpc.block_with_receipts(numbers)
        if not self.fetch_traces:
            return raw, None
        method = await self._trace_method(numbers[0])
        return raw, await self.rpc.batch(trace_calls(numbers, method))

    def decode(self, raw: NodeBlocks, traces: list[Any] | None) -> list[BlockBundle]:
        """Parsed answers -> bundles: pure CPU, so the pipelined follower runs it in a thread."""
        bundles = [normalize_block(self.chain_id, block, receipts, self.registry,
                                   source=self.source) for block, receipts in raw]
        if traces is not None:
            method = self.trace_method
            assert method is not None  # fetch_answers found it before fetching the traces
            for bundle, block_traces in zip(bundles, traces, strict=True):
                add_block_traces(bundle, block_traces, method, self.registry)
        return bundles

    async def fetch_raw(self, numbers: Sequence[int]) -> RawBlocks:
        """The node's undecoded answers, for ``decode_worker.prepare_raw`` elsewhere."""
        body = await self.rpc.batch_raw(block_calls(numbers))
        if not self.fetch_traces:
            return RawBlocks(self.chain_id, self.source, list(numbers), body)
        method = await self._trace_method(numbers[0])
        traces = await self.rpc.batch_raw(trace_calls(numbers, method))
        return RawBlocks(self.chain_id, self.source, list(numbers), body, traces, method)

    async def entity_kinds(self, call_targets: Sequence[str]) -> dict[str, str]:
        """EOA vs contract for call targets, via eth_getCode, cached for the process."""
        unknown = [a for a in call_targets if a not in self._kinds]
        if unknown:
            codes = await self.rpc.codes(unknown)
            self._kinds.update({a: ("contract" if code else "eoa") for a, code in codes.items()})
        return self._kinds

    async def store(self, bundles: Sequence[BlockBundle], *, cursor: str | None,
                    method: WriteMethod = "insert", mempool_active: bool = False) -> None:
        """Write bundles atomically (with the cursor when given)."""
        if bundles:
            await self.store_prepared(prepare_batch(bundles), cursor=cursor, method=method,
                                      mempool_active=mempool_active)

    async def store_prepared(self, batch: PreparedBatch, *, cursor: str | None,
                             method: WriteMethod = "insert", mempool_active: bool = False,
                             before_commit: Callable[[], Awaitable[None]] | None = None
                             ) -> None:
        """Write a prepared batch atomically (with the cursor when given)."""
        kinds = await self.entity_kinds(batch.call_targets)
        if mempool_active and self.before_judging is not None:
            await self.before_judging()
        async with self.pool.acquire() as conn, conn.transaction():
            if self.fence is not None:
                await self.fence(conn)
            await write_prepared(conn, batch, cursor=cursor, method=method,
                                 entity_kinds=kinds, mempool_active=mempool_active,
                                 before_commit=before_commit)

    async def index(self, numbers: Sequence[int], *, cursor: str | None,
                    method: WriteMethod = "insert", mempool_active: bool = False
                    ) -> list[BlockBundle]:
        bundles = await self.fetch(numbers)
        await self.store(bundles, cursor=cursor, method=method, mempool_active=mempool_active)
        return bundles
