"""Pending transactions from nodes that announce only hashes (ganache, Hardhat 2).

Such nodes refuse the full-transaction form of ``newPendingTransactions`` or ignore it;
the hash alone tells the detectors nothing, so each hash is looked up with
``eth_getTransactionByHash``, in batches, off the subscription loop. The queue is bounded:
when lookups fall behind, new hashes are dropped *and counted* (a transaction never
recorded as pending is later flagged private: conservative, never a lost block).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from hafeniq_chain.aio import unless_stopped
from hafeniq_chain.chain.rpc import RpcClient, RpcError
from hafeniq_chain.log import get_logger

log = get_logger(__name__)


class PendingHashFetcher:
    """``offer(hash)`` from the subscription; ``run`` looks them up and calls ``on_pending``
    with each full transaction still pending or already mined."""

    def __init__(self, rpc: RpcClient, on_pending: Callable[[dict[str, Any]], None], *,
                 maxsize: int = 10_000, batch: int = 200) -> None:
        self.rpc = rpc
        self.on_pending = on_pending
        self.batch = batch
        self.queue: asyncio.Queue[str] = asyncio.Queue(maxsize)
        self.dropped = 0
        self.fetched = 0
        self.vanished = 0

    def offer(self, tx_hash: str) -> None:
        try:
            self.queue.put_nowait(tx_hash)
        except asyncio.QueueFull:
            self.dropped += 1
            if self.dropped % 1000 == 1:
                log.warning("mempool.hash_queue_full_dropped", dropped=self.dropped)

    async def fetch_once(self) -> int:
        """Look up one batch of queued hashes (waits for the first); returns how many."""
        hashes = [await self.queue.get()]
        while len(hashes) < self.batch and not self.queue.empty():
            hashes.append(self.queue.get_nowait())
        try:
            txs = await self.rpc.batch([("eth_getTransactionByHash", [h]) for h in hashes])
        except RpcError as exc:
            log.warning("mempool.hash_lookup_failed", hashes=len(hashes), error=str(exc)[:200])
            return 0
        for tx in txs:
            if tx is None:  # replaced or dropped before we asked
                self.vanished += 1
            else:
                self.fetched += 1
                self.on_pending(tx)
        return len(hashes)

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            getter = await unless_stopped(self.fetch_once(), stop)
            if getter is None:
                return
            getter.result()
