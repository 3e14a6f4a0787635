"""Hash-chained decision log: every decision appended, any later edit detectable.

Each row stores ``hash = sha256(prev_hash + canonical_json(kind, subject, payload))``.
Appends take a transaction-scoped advisory lock so concurrent writers keep one chain;
``verify_chain`` recomputes every link and reports the first broken one.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

import asyncpg

from hafeniq_chain.store.database import Connection

GENESIS = "0" * 64
APPEND_LOCK = 0x6175_6469_74  # "audit"


def canonical_json(value: Any) -> str:
    """Deterministic JSON: sorted keys, no spaces, non-ASCII kept (hashing must be stable)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=str)


def link_hash(prev_hash: str, kind: str, subject: str, payload: Any) -> str:
    """The hash of one audit row given its predecessor's hash."""
    body = canonical_json({"kind": kind, "subject": subject, "payload": payload})
    return hashlib.sha256((prev_hash + body).encode()).hexdigest()


async def append_audit(conn: Connection, kind: str, subject: str,
                       payload: dict[str, Any]) -> tuple[int, str]:
    """Append one record inside the caller's transaction; returns (seq, hash).

    Call it in the same transaction as the decision it records, so both or neither land.
    """
    if not conn.is_in_transaction():
        raise RuntimeError("append_audit must run inside the decision's transaction")
    await conn.execute("SELECT pg_advisory_xact_lock($1)", APPEND_LOCK)
    prev = await conn.fetchval("SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1")
    # NOTE: round-trip the payload through JSON so the hash covers what Postgres stores.
    stored = json.loads(canonical_json(payload))
    digest = link_hash(prev or GENESIS, kind, subject, stored)
    seq: int = await conn.fetchval(
        "INSERT INTO audit_log (kind, subject, payload, prev_hash, hash)"
        " VALUES ($1, $2, $3, $4, $5) RETURNING seq",
        kind, subject, stored, prev or GENESIS, digest,
    )
    return seq, digest


@dataclass(frozen=True)
class AuditVerdict:
    """Result of walking the chain: ``broken_seq`` is None when every link holds."""

    rows: int
    broken_seq: int | None = None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_seq is None


async def verify_chain(pool: asyncpg.Pool, batch: int = 5000) -> AuditVerdict:
    """Recompute every link in order; stop at the first row that does not match."""
    prev = GENESIS
    rows = 0
    last_seq = 0
    async with pool.acquire() as conn:
        while True:
            chunk = await conn.fetch(
                "SELECT seq, kind, subject, payload, prev_hash, hash FROM audit_log"
                " WHERE seq > $1 ORDER BY seq LIMIT $2", last_seq, batch)
            if not chunk:
                return AuditVerdict(rows)
            for r in chunk:
                if r["prev_hash"] != prev:
                    return AuditVerdict(rows, r["seq"], "prev_hash does not match the row before")
                expected = link_hash(prev, r["kind"], r["subject"], r["payload"])
                if r["hash"] != expected:
                    return AuditVerdict(rows, r["seq"], "content does not match its hash")
                prev = r["hash"]
                rows += 1
                last_seq = r["seq"]
