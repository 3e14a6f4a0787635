"""Group commit for scored withdrawals: request event, decision and audit link together.

Why: one transaction per request serialised every request on the audit chain's lock and
paid a commit each. Here callers queue their rows and wait; one flusher at a time writes
everything queued in a single transaction (events, decisions, audit links hashed in
order under the chain's advisory lock) and wakes the callers after COMMIT. A response is
therefore only sent for a decision that is stored and audited; a crash loses nothing
that was answered. The flusher is a task that ends when the queue is empty.

The API serves known keys from memory; the batch re-reads them in its own transaction,
so a key revoked before the request is refused (``KeyRejected``) and nothing is stored.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any, cast

import asyncpg

from hafeniq_chain.audit import APPEND_LOCK, GENESIS, canonical_json, link_hash
from hafeniq_chain.log import get_logger
from hafeniq_chain.offchain.types import ScoredWithdrawal

log = get_logger(__name__)
MAX_BATCH = 256
SCORING_SCOPE = "withdrawals:score"

# NOTE: one round trip takes the audit chain's append lock (held to COMMIT, so the head
# read by a later statement is current) and finds the keys that no longer grant scoring.
_REJECTED = """
SELECT k.id FROM unnest($1::bigint[]) AS k(id)
WHERE NOT EXISTS (SELECT 1 FROM api_keys a WHERE a.id = k.id AND a.revoked_at IS NULL
                  AND ('*' = ANY(a.scopes) OR $2 = ANY(a.scopes)))
"""
_LOCK_AND_CHECK_KEYS = f"""
SELECT (SELECT 1 FROM pg_advisory_xact_lock($3)) AS locked,
       ARRAY({_REJECTED}) AS rejected
"""

_EVENTS = """
INSERT INTO offchain_events (tenant, event_id, kind, account_id, occurred_at, payload)
SELECT e.tenant, e.event_id, 'withdrawal_request', e.account_id, e.occurred_at, e.payload::jsonb
FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::text[])
     AS e(tenant, event_id, account_id, occurred_at, payload)
ON CONFLICT (tenant, event_id) DO NOTHING
RETURNING tenant, event_id
"""
# NOTE: ids follow the input order (inserted in that order from one sequence); the audit
# chain's head is read in the same statement, after the append lock was taken.
_DECISIONS = """
WITH inserted AS (
    INSERT INTO decisions (subject, tenant, risk_score, action, reason_codes, details)
    SELECT d.subject, d.tenant, d.score, d.action,
           ARRAY(SELECT jsonb_array_elements_text(d.codes::jsonb)), d.details::jsonb
    FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::text[], $6::text[])
         WITH ORDINALITY AS d(subject, tenant, score, action, codes, details, n)
    ORDER BY d.n
    RETURNING id)
SELECT id, (SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1) AS head
FROM inserted ORDER BY id
"""


class KeyRejected(Exception):
    """The request's API key was revoked (or lost the scoring scope) before its commit."""


async def check_key(conn: asyncpg.Connection, key_id: int | None) -> None:
    """Raise ``KeyRejected`` unless ``key_id`` (None: no key) still grants scoring; for
    writes made before the group commit (an incident update)."""
    if key_id is not None and await conn.fetch(_REJECTED, [key_id], SCORING_SCOPE):
        raise KeyRejected()


@dataclass
class PendingDecision:
    """One request's rows, waiting for the next group commit."""

    req: ScoredWithdrawal
    event_payload: dict[str, Any]
    score: int
    action: str
    reason_codes: list[str]
    details: dict[str, Any]
    done: asyncio.Future[int | None] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future())


class DecisionWriter:
    """Queues decisions and writes them in batches; ``submit`` returns the decision id
    (None when the request id was already stored: the caller returns the stored one)."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool
        self._queue: list[PendingDecision] = []
        self._flusher: asyncio.Task[None] | None = None

    async def submit(self, item: PendingDecision) -> int | None:
        self._queue.append(item)
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
        """Write batches on one connection while requests keep coming: under load the
        pool's acquire and reset are paid once per burst, not once per batch."""
        while self._queue:
            batch = self._take()
            try:
                outcomes = await self._write(conn, batch)
            except Exception as exc:  # every waiter gets the error, the flusher goes on
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
        async with conn.transaction():
            rejected = await self._lock_and_check_keys(conn, batch)
            accepted = [i for i in batch if i.req.key_id not in rejected]
            written = iter(await self._write_batch(conn, accepted) if accepted else [])
        if rejected:
            log.info("offchain.decisions_refused_key", size=len(batch) - len(accepted),
                     key_ids=sorted(rejected))
        return [KeyRejected() if i.req.key_id in rejected else next(written) for i in batch]

    @staticmethod
    async def _lock_and_check_keys(conn: asyncpg.Connection, batch: list[PendingDecision]
                                   ) -> set[int]:
        """Take the audit lock; keys in ``batch`` that no longer grant scoring."""
        key_ids = sorted({i.req.key_id for i in batch if i.req.key_id is not None})
        row = await conn.fetchrow(_LOCK_AND_CHECK_KEYS, key_ids, SCORING_SCOPE, APPEND_LOCK)
        return set(row["rejected"]) if row is not None else set()

    async def _write_batch(self, conn: asyncpg.Connection, batch: list[PendingDecision]
                           ) -> list[int | None]:
        """Events, decisions and audit links of ``batch`` (inside the caller's transaction)."""
        inserted = {(r["tenant"], r["event_id"]) for r in await conn.fetch(
            _EVENTS, [i.req.tenant for i in batch], [i.req.request_id for i in batch],
            [i.req.account_id for i in batch], [i.req.occurred_at for i in batch],
            [json.dumps(i.event_payload) for i in batch])}
        fresh = await self._to_decide(conn, batch, inserted)
        if not fresh:
            return [None] * len(batch)
        rows = await conn.fetch(
            _DECISIONS, [f"withdrawal:{i.req.request_id}" for i in fresh],
            [i.req.tenant for i in fresh], [i.score for i in fresh],
            [i.action for i in fresh], [json.dumps(i.reason_codes) for i in fresh],
            [canonical_json(i.details) for i in fresh])
        ids = {id(i): r["id"] for i, r in zip(fresh, rows, strict=True)}
        await self._audit(conn, fresh, ids, rows[0]["head"] or GENESIS)
        return [ids.get(id(i)) for i in batch]

    @staticmethod
    async def _to_decide(conn: asyncpg.Connection, batch: list[PendingDecision],
                         inserted: set[tuple[str, str]]) -> list[PendingDecision]:
        """Items whose decision is not stored yet: a new event, or an event ingested
        earlier through ``/v1/events`` and never scored; each request id once."""
        subjects = [f"withdrawal:{i.req.request_id}" for i in batch
                    if (i.req.tenant, i.req.request_id) not in inserted]
        decided: set[tuple[str, str]] = set()
        if subjects:
            decided = {(r["tenant"], r["subject"]) for r in await conn.fetch(
                "SELECT tenant, subject FROM decisions WHERE subject = ANY($1::text[])",
                subjects)}
        fresh, seen = [], set()
        for item in batch:
            key = (item.req.tenant, item.req.request_id)
            if key in seen or (item.req.tenant, f"withdrawal:{key[1]}") in decided:
                continue
            seen.add(key)
            fresh.append(item)
        return fresh

    @staticmethod
    async def _audit(conn: asyncpg.Connection, items: list[PendingDecision],
                     ids: dict[int, int], prev: str) -> None:
        """Append one audit link per decision, in order, after ``prev`` (the chain's head,
        read under its lock)."""
        records = []
        for item in items:
            subject = f"withdrawal:{item.req.request_id}"
            payload = json.loads(canonical_json({
                "decision_id": ids[id(item)], "score": item.score, "action": item.action,
                "tenant": item.req.tenant}))
            digest = link_hash(prev, "withdrawal_decision", subject, payload)
            records.append(("withdrawal_decision", subject, payload, prev, digest))
            prev = digest
        await conn.executemany(
            "INSERT INTO audit_log (kind, subject, payload, prev_hash, hash)"
            " VALUES ($1, $2, $3, $4, $5)", records)
