"""Group commit for scored withdrawals: request event, decision and audit link together.

Why: one transaction per request serialised every request on the audit chain's lock and
paid a commit each. Here callers queue their rows and wait; one flusher at a time writes
everything queued as one batch (``decision_store``) and wakes the callers after it is
committed. A response is therefore only sent for a decision that is stored and audited;
a crash loses nothing that was answered. The flusher is a task that ends when the queue
is empty.

Two paths. The fast one is a single statement chained after the audit head this writer
wrote last. The careful one runs when that head is unknown or stale (another process
appended), a request is a retry, or a key lost its scope: in a transaction under the
audit lock it reads the head, refuses the requests of revoked keys (``KeyRejected``),
answers retries with None (the caller returns the stored decision) and writes the rest.
The API serves known keys from memory; both paths re-check them in the database.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import cast

import asyncpg

from hafeniq_chain.log import get_logger
from hafeniq_chain.offchain.decision_rows import KeyRejected, PendingDecision
from hafeniq_chain.offchain.decision_store import DecisionIds, lock_chain, write_batch

log = get_logger(__name__)
MAX_BATCH = 256
LINGER_S = 0.05


class DecisionWriter:
    """Queues decisions and writes them in batches; ``submit`` returns the decision id
    (None when the request id was already stored: the caller returns the stored one)."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool
        self._queue: list[PendingDecision] = []
        self._flusher: asyncio.Task[None] | None = None
        self._arrived = asyncio.Event()
        self._head: str | None = None  # the audit link this writer appended last
        self._ids = DecisionIds()
        # batches written by path ("fast", "careful"); fast writes that wrote nothing
        self.batches: Counter[str] = Counter()

    async def submit(self, item: PendingDecision) -> int | None:
        self._queue.append(item)
        self._arrived.set()
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush_all())
        return await asyncio.shield(item.done)

    def _take(self) -> list[PendingDecision]:
        batch, self._queue = self._queue[:MAX_BATCH], self._queue[MAX_BATCH:]
        return batch

    @staticmethod
    def _fail(batch: list[PendingDecision], exc: BaseException) -> None:
        for item in batch:
            item.done.set_exception(exc)
            item.done.exception()  # retrieved: the waiter re-raises it

    async def _flush_all(self) -> None:
        while self._queue:
            try:
                async with self.pool.acquire() as proxy:
                    await self._drain(cast(asyncpg.Connection, proxy))
            except Exception as exc:  # no connection: the next batch gets the error
                log.error("offchain.decision_batch_failed", error=repr(exc)[:300])
                self._fail(self._take(), exc)

    async def _drain(self, conn: asyncpg.Connection) -> None:
        """Write batches on one connection while requests keep coming, and keep it for
        ``LINGER_S`` after the last: under load the pool's acquire and reset (a round trip)
        are not paid per batch."""
        while True:
            if not self._queue:
                self._arrived.clear()
                try:
                    await asyncio.wait_for(self._arrived.wait(), LINGER_S)
                except TimeoutError:
                    return
            batch = self._take()
            try:
                outcomes = await self._write(conn, batch)
            except Exception as exc:  # every waiter gets the error, the flusher goes on
                self._head = None
                log.error("offchain.decision_batch_failed", size=len(batch),
                          error=repr(exc)[:300])
                self._fail(batch, exc)
                if conn.is_closed():
                    return
                continue
            for item, outcome in zip(batch, outcomes, strict=True):
                if isinstance(outcome, KeyRejected):
                    self._fail([item], outcome)
                else:
                    item.done.set_result(outcome)

    async def _write(self, conn: asyncpg.Connection, batch: list[PendingDecision]
                     ) -> list[int | KeyRejected | None]:
        if self._head is not None and len({i.req_key for i in batch}) == len(batch):
            ids = await self._ids.take(conn, len(batch))
            head = await write_batch(conn, batch, self._head, ids)
            if head is not None:
                self._head = head
                self.batches["fast"] += 1
                return list(ids)
            self.batches["fast_refused"] += 1
        self._head = None
        outcomes = await self._write_careful(conn, batch)
        self.batches["careful"] += 1
        return outcomes

    async def _write_careful(self, conn: asyncpg.Connection, batch: list[PendingDecision]
                             ) -> list[int | KeyRejected | None]:
        outcomes: dict[int, int | KeyRejected | None] = {}
        async with conn.transaction():
            chain = await lock_chain(conn, batch)
            fresh: list[PendingDecision] = []
            seen: set[tuple[str, str]] = set()
            for item in batch:
                if item.req.key_id in chain.rejected:
                    outcomes[id(item)] = KeyRejected()
                elif (item.req.tenant, item.subject) in chain.decided or item.req_key in seen:
                    outcomes[id(item)] = None
                else:
                    seen.add(item.req_key)
                    fresh.append(item)
            head = chain.head
            if fresh:
                ids = await self._ids.take(conn, len(fresh))
                written = await write_batch(conn, fresh, head, ids)
                if written is None:  # under the lock, against the head read under it
                    raise RuntimeError("decision batch refused under the audit lock")
                head = written
                outcomes.update((id(item), i) for item, i in zip(fresh, ids, strict=True))
        self._head = head
        if chain.rejected:
            log.info("offchain.decisions_refused_key", key_ids=sorted(chain.rejected),
                     size=sum(isinstance(o, KeyRejected) for o in outcomes.values()))
        return [outcomes[id(item)] for item in batch]
