"""The scoring group commit on a real PostgreSQL: fast and careful paths keep one chain.

The fast path appends after the audit head its writer remembers; these tests make that
head stale (another appender, a second writer, concurrent writers) and check that every
decision is stored once, the chain never forks and still verifies.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import asyncpg
import pytest

from hafeniq_chain.audit import append_audit, verify_chain
from hafeniq_chain.offchain.decision_rows import PendingDecision
from hafeniq_chain.offchain.decision_writer import DecisionWriter
from hafeniq_chain.offchain.types import ScoredWithdrawal

pytestmark = pytest.mark.integration
T0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def _pending(request_id: str, n: int = 0) -> PendingDecision:
    req = ScoredWithdrawal("acme", request_id, f"acct-{n % 7}", "0x" + "ab" * 20, "USDT",
                           Decimal("250"), T0 + timedelta(seconds=n))
    return PendingDecision(req, {"destination": req.destination, "amount": "250"}, 120 + n,
                           "allow", ["NEW_DESTINATION"], {"score": 120 + n})


async def _chain_is_whole(pool: asyncpg.Pool, decisions: int) -> None:
    verdict = await verify_chain(pool)
    assert verdict.ok, verdict
    assert await pool.fetchval("SELECT count(DISTINCT prev_hash) FROM audit_log") == \
        verdict.rows
    assert await pool.fetchval("SELECT count(*) FROM decisions") == decisions
    assert await pool.fetchval(
        "SELECT count(*) FROM decisions d JOIN audit_log a ON a.subject = d.subject"
        " AND (a.payload->>'decision_id')::bigint = d.id") == decisions


async def test_fast_path_after_the_first_batch_and_after_a_foreign_append(
        pool: asyncpg.Pool) -> None:
    writer = DecisionWriter(pool)
    ids = [await writer.submit(_pending(f"r-{i}", i)) for i in range(4)]
    assert writer.batches == {"careful": 1, "fast": 3}
    async with pool.acquire() as conn, conn.transaction():
        await append_audit(conn, "decision", "incident:1", {"score": 1})
    # the remembered head is stale now: the fast write fails whole, the careful one runs
    ids += [await writer.submit(_pending("r-4", 4)), await writer.submit(_pending("r-5", 5))]
    assert writer.batches == {"careful": 2, "fast": 4, "fast_refused": 1}
    stored = [i for i in ids if i is not None]
    assert stored == sorted(stored) and len(stored) == 6  # one writer's ids increase
    await _chain_is_whole(pool, decisions=6)


async def test_a_retried_request_is_stored_once(pool: asyncpg.Pool) -> None:
    writer = DecisionWriter(pool)
    first = await writer.submit(_pending("r-1"))
    assert await writer.submit(_pending("r-2", 1)) is not None
    assert await writer.submit(_pending("r-1")) is None  # the caller returns the stored one
    assert writer.batches == {"careful": 2, "fast": 1, "fast_refused": 1}
    assert await pool.fetchval(
        "SELECT count(*) FROM decisions WHERE subject = 'withdrawal:r-1'") == 1
    assert await pool.fetchval(
        "SELECT id FROM decisions WHERE subject = 'withdrawal:r-1'") == first
    await _chain_is_whole(pool, decisions=2)


async def test_writers_of_two_processes_never_fork_the_chain(pool: asyncpg.Pool) -> None:
    a, b = DecisionWriter(pool), DecisionWriter(pool)

    async def burst(writer: DecisionWriter, prefix: str) -> list[int | None]:
        return list(await asyncio.gather(*(writer.submit(_pending(f"{prefix}-{i}", i))
                                           for i in range(40))))

    for round_ in range(3):
        results = await asyncio.gather(burst(a, f"a{round_}"), burst(b, f"b{round_}"))
        assert all(x is not None for ids in results for x in ids)
    # each refused some fast writes (the other had appended) and completed others
    assert a.batches["fast_refused"] + b.batches["fast_refused"] > 0
    assert a.batches["fast"] + b.batches["fast"] > 0
    await _chain_is_whole(pool, decisions=240)
