"""The audit hash chain on a real PostgreSQL: appends link up; any tampering is found."""

from __future__ import annotations

import asyncpg
import pytest

from hafeniq_chain.audit import append_audit, verify_chain
from tests.support.cli import run_cli

pytestmark = pytest.mark.integration


async def _append(pool: asyncpg.Pool, n: int) -> None:
    for i in range(n):
        async with pool.acquire() as conn, conn.transaction():
            await append_audit(conn, "decision", f"subject:{i}", {"score": i, "note": "né"})


async def test_chain_verifies(pool: asyncpg.Pool) -> None:
    await _append(pool, 5)
    verdict = await verify_chain(pool)
    assert verdict.ok and verdict.rows == 5


@pytest.mark.parametrize(
    "tamper",
    [
        "UPDATE audit_log SET payload = '{\"score\": 99, \"note\": \"né\"}' WHERE seq = 3",
        "UPDATE audit_log SET subject = 'other' WHERE seq = 3",
        "DELETE FROM audit_log WHERE seq = 3",
        "UPDATE audit_log SET hash = repeat('a', 64) WHERE seq = 3",
    ],
)
async def test_any_tampering_is_detected(pool: asyncpg.Pool, tamper: str) -> None:
    await _append(pool, 5)
    await pool.execute(tamper)
    verdict = await verify_chain(pool)
    assert not verdict.ok
    assert verdict.broken_seq in (3, 4)


async def test_append_outside_transaction_is_refused(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        with pytest.raises(RuntimeError, match="inside the decision's transaction"):
            await append_audit(conn, "decision", "x", {})


async def test_audit_verify_command_reports_the_broken_link(pool: asyncpg.Pool,
                                                           empty_dsn: str) -> None:
    await _append(pool, 4)
    ok = await run_cli("--dsn", empty_dsn, "audit", "verify")
    assert ok.returncode == 0 and "4 record(s) verified" in ok.stderr
    await pool.execute("UPDATE audit_log SET payload = '{\"score\": 7}' WHERE seq = 2")
    broken = await run_cli("--dsn", empty_dsn, "audit", "verify")
    assert broken.returncode == 1 and "broken at seq 2" in broken.stderr
