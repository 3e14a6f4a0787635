"""Storing a batch of scored withdrawals: events, decisions and audit links in one
statement, chained after a given audit head.

Why one statement: a transaction of one statement per table cost seven round trips per
batch, and at 500 requests/s the socket work of those round trips was the API's largest
CPU cost. Decision ids are reserved ahead in blocks (``DecisionIds``), so the links can
be hashed before the write; ids therefore increase with time within one writer, and
writers of several processes interleave by block.

``write_batch`` trusts the head it is given without re-reading it (``DecisionWriter``'s
fast path passes the head it wrote last). That is safe because no two audit links may
share a predecessor (unique ``prev_hash``, migration 0033): if anyone appended after that
head, the statement fails whole. The audit lock is still taken, first, so appenders that
read the head under it never race this statement. A batch with a request already decided
or a key no longer valid writes nothing either; the writer's careful path sorts it out.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import asyncpg

from hafeniq_chain.audit import APPEND_LOCK, GENESIS, canonical_json
from hafeniq_chain.offchain.decision_rows import (
    AUDIT_KIND,
    REJECTED_KEYS,
    SCORING_SCOPE,
    PendingDecision,
    audit_links,
    decision_columns,
    event_columns,
    key_ids,
)

ID_BLOCK = 64
_RESERVE_IDS = ("SELECT nextval(pg_get_serial_sequence('decisions', 'id')) AS id"
                " FROM generate_series(1, $1)")
_WRITE = f"""
WITH guard AS (
    SELECT (SELECT count(*) FROM pg_advisory_xact_lock($3)) = 1
       AND NOT EXISTS ({REJECTED_KEYS})
       AND NOT EXISTS (SELECT 1 FROM decisions d
                       JOIN unnest($9::text[], $10::text[]) AS x(subject, tenant)
                         ON d.subject = x.subject AND d.tenant = x.tenant) AS ok
), events AS (
    INSERT INTO offchain_events (tenant, event_id, kind, account_id, occurred_at, payload)
    SELECT e.tenant, e.event_id, 'withdrawal_request', e.account_id, e.occurred_at,
           e.payload::jsonb
    FROM unnest($4::text[], $5::text[], $6::text[], $7::timestamptz[], $8::text[])
         AS e(tenant, event_id, account_id, occurred_at, payload)
    WHERE (SELECT ok FROM guard)
    ON CONFLICT (tenant, event_id) DO NOTHING  -- ingested through /v1/events, not scored
    RETURNING 1
), decided AS (
    INSERT INTO decisions (id, subject, tenant, risk_score, action, reason_codes, details)
    SELECT d.id, d.subject, d.tenant, d.score, d.action,
           ARRAY(SELECT jsonb_array_elements_text(d.codes::jsonb)), d.details::jsonb
    FROM unnest($15::bigint[], $9::text[], $10::text[], $11::int[], $12::text[],
                $13::text[], $14::text[]) AS d(id, subject, tenant, score, action, codes, details)
    WHERE (SELECT ok FROM guard)
    RETURNING 1
), linked AS (
    INSERT INTO audit_log (kind, subject, payload, prev_hash, hash)
    SELECT '{AUDIT_KIND}', a.subject, a.payload::jsonb, a.prev_hash, a.hash
    FROM unnest($9::text[], $16::text[], $17::text[], $18::text[]) WITH ORDINALITY
         AS a(subject, payload, prev_hash, hash, n)
    WHERE (SELECT ok FROM guard)
    ORDER BY a.n
    RETURNING 1
)
SELECT ok FROM guard
"""
# NOTE: statement-level snapshots: what must be current is read after the lock, in a
# later statement of the same transaction.
_LOCK_AND_CHECK_KEYS = f"""
SELECT (SELECT 1 FROM pg_advisory_xact_lock($3)) AS locked,
       ARRAY({REJECTED_KEYS}) AS rejected
"""
_HEAD = "SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1"
_DECIDED = "SELECT tenant, subject FROM decisions WHERE subject = ANY($1::text[])"


class DecisionIds:
    """Decision ids taken from the table's sequence ahead of use, a block at a time."""

    def __init__(self, block: int = ID_BLOCK) -> None:
        self.block = block
        self._ids: deque[int] = deque()

    async def take(self, conn: asyncpg.Connection, n: int) -> list[int]:
        if len(self._ids) < n:
            rows = await conn.fetch(_RESERVE_IDS, max(n, self.block))
            self._ids.extend(r["id"] for r in rows)
        return [self._ids.popleft() for _ in range(n)]


async def write_batch(conn: asyncpg.Connection, batch: list[PendingDecision], head: str,
                      ids: list[int]) -> str | None:
    """Store ``batch`` (distinct request ids) with decision ids ``ids``, chained after
    ``head``: the new head, or None when nothing was written (``ids`` stay unused, a gap
    in the sequence)."""
    links = audit_links(batch, ids, head)
    try:
        ok = await conn.fetchval(
            _WRITE, key_ids(batch), SCORING_SCOPE, APPEND_LOCK, *event_columns(batch),
            *decision_columns(batch), ids, [canonical_json(p) for p, _, _ in links],
            [prev for _, prev, _ in links], [digest for _, _, digest in links])
    except asyncpg.UniqueViolationError:  # someone appended after ``head``
        return None
    return links[-1][2] if ok else None


@dataclass(frozen=True)
class ChainState:
    """What the careful path learns under the audit lock."""

    rejected: set[int]  # key ids that no longer grant scoring
    head: str  # the audit chain's head
    decided: set[tuple[str, str]]  # (tenant, subject) of the batch already decided


async def lock_chain(conn: asyncpg.Connection, batch: list[PendingDecision]) -> ChainState:
    """Take the audit lock (inside the caller's transaction, held to its COMMIT) and read
    what ``batch`` is written against."""
    row = await conn.fetchrow(_LOCK_AND_CHECK_KEYS, key_ids(batch), SCORING_SCOPE,
                              APPEND_LOCK)
    rejected = set(row["rejected"]) if row is not None else set()
    head = await conn.fetchval(_HEAD)
    decided = {(r["tenant"], r["subject"])
               for r in await conn.fetch(_DECIDED, [i.subject for i in batch])}
    return ChainState(rejected, head or GENESIS, decided)
