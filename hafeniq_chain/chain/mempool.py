"""Record pending transactions with their first-seen time, in small batched writes.

The queue is bounded: when the database falls behind, the oldest sightings wait and
new ones are dropped *and counted* (a pending transaction that is never recorded is
later flagged private — a conservative signal, never a lost block).

On a node that mines at once (Anvil automine) the sighting and the block arrive together,
and the block's write may judge "never seen pending" while the sighting still waits in
the buffer (8 of 21 public transactions were flagged private, 7 sightings never linked).
Two things close that race: the block writer flushes this buffer first (``flush`` is what
``BlockIndexer.before_judging`` calls), and a sighting written *after* its transaction's
block is linked to it on the spot (``_LINK_LATE``): the transaction is un-flagged and the
sighting gets its block. A transaction the node announced as pending was public.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import asyncpg

from hafeniq_chain.aio import sleep_or_stop
from hafeniq_chain.decode.records import PendingTxRecord
from hafeniq_chain.log import get_logger
from hafeniq_chain.metrics import PENDING_TXS_SEEN, QUEUE_DEPTH

log = get_logger(__name__)

_LINK_LATE = """
WITH linked AS (
    UPDATE pending_transactions p SET included_block = t.block_number,
        mempool_delay_ms = GREATEST(0, (extract(epoch FROM b.timestamp - p.first_seen)
                                        * 1000)::bigint)
    FROM transactions t JOIN blocks b ON b.chain_id = t.chain_id AND b.number = t.block_number
    WHERE p.chain_id = $1 AND p.hash = ANY($2::text[]) AND p.included_block IS NULL
      AND t.chain_id = $1 AND t.hash = p.hash
    RETURNING p.hash, p.mempool_delay_ms)
UPDATE transactions t SET private = false, mempool_delay_ms = linked.mempool_delay_ms
FROM linked WHERE t.chain_id = $1 AND t.hash = linked.hash"""


def _int(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, int):
        return value
    return int(value, 16) if isinstance(value, str) else int(value)


def _hex(value: Any) -> str:
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    return str(value).lower()


def pending_from_rpc(tx: dict[str, Any], seen_ms: int | None = None) -> PendingTxRecord:
    """A full pending transaction (raw or web3-formatted) -> PendingTxRecord."""
    data = tx.get("input", b"")
    raw = bytes(data) if isinstance(data, bytes | bytearray) else bytes.fromhex(
        str(data)[2:])
    return PendingTxRecord(
        hash=_hex(tx["hash"]), first_seen_ms=seen_ms or int(time.time() * 1000),
        from_addr=_hex(tx["from"]), to_addr=_hex(tx["to"]) if tx.get("to") else None,
        value=_int(tx.get("value")) or 0, input=raw, nonce=_int(tx.get("nonce")),
        gas=_int(tx.get("gas")), gas_price=_int(tx.get("gasPrice")),
        max_fee=_int(tx.get("maxFeePerGas")),
        max_priority_fee=_int(tx.get("maxPriorityFeePerGas")))


class PendingStore:
    """Buffers pending sightings and writes them in batches; first sighting wins."""

    def __init__(self, pool: asyncpg.Pool, chain_id: int, maxsize: int = 10_000) -> None:
        self.pool = pool
        self.chain_id = chain_id
        self.queue: asyncio.Queue[PendingTxRecord] = asyncio.Queue(maxsize)
        self.dropped = 0
        self._unwritten: list[PendingTxRecord] = []
        self._lock = asyncio.Lock()  # the flush loop and the block writer both flush

    def offer(self, record: PendingTxRecord) -> None:
        try:
            self.queue.put_nowait(record)
        except asyncio.QueueFull:
            self.dropped += 1
            log.warning("mempool.queue_full_dropped", tx=record.hash, dropped=self.dropped)
        QUEUE_DEPTH.labels(queue="mempool").set(self.queue.qsize())

    async def flush(self) -> int:
        """Write everything queued now; returns how many sightings were written.

        A batch whose write fails is kept and written first next time: a database restart
        delays sightings, it does not lose them. Sightings of transactions already stored
        are linked to them in the same transaction (``_LINK_LATE``).
        """
        async with self._lock:
            return await self._flush()

    async def _flush(self) -> int:
        while not self.queue.empty():
            self._unwritten.append(self.queue.get_nowait())
        batch = self._unwritten
        if not batch:
            return 0
        rows = [(self.chain_id, r.hash, r.first_seen_ms / 1000, r.from_addr, r.to_addr,
                 r.nonce, r.value, "0x" + r.input[:4].hex() if len(r.input) >= 4 else None,
                 r.input, r.gas, r.gas_price, r.max_fee, r.max_priority_fee) for r in batch]
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.executemany(
                "INSERT INTO pending_transactions (chain_id, hash, first_seen, from_addr, "
                "to_addr, nonce, value, selector, input, gas, gas_price, max_fee, "
                "max_priority_fee) VALUES ($1, $2, to_timestamp($3), $4, $5, $6, $7, $8, $9, "
                "$10, $11, $12, $13) ON CONFLICT (chain_id, hash) DO NOTHING", rows)
            late = await conn.execute(_LINK_LATE, self.chain_id, [r.hash for r in batch])
        if late != "UPDATE 0":
            log.info("mempool.linked_late", transactions=int(late.split()[-1]))
        self._unwritten = []
        PENDING_TXS_SEEN.inc(len(batch))
        QUEUE_DEPTH.labels(queue="mempool").set(self.queue.qsize())
        return len(batch)

    async def run(self, stop: asyncio.Event, interval_s: float = 0.05) -> None:
        while not stop.is_set():
            await self.flush()
            await sleep_or_stop(stop, interval_s)
        await self.flush()
