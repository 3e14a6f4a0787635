"""The migrator against a real PostgreSQL: from zero, idempotent, concurrent, tamper-proof."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import asyncpg
import pytest

from hafeniq_chain.store.database import create_pool
from hafeniq_chain.store.migrator import MIGRATIONS_DIR, MigrationError, load_migrations, migrate

pytestmark = pytest.mark.integration


async def test_applies_from_zero_then_is_a_noop(empty_dsn: str) -> None:
    pool = await create_pool(empty_dsn)
    try:
        applied = await migrate(pool)
        assert applied == [m.name for m in load_migrations()]
        tables = {r["tablename"] for r in await pool.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
        assert {"blocks", "transactions", "logs", "entities", "edges", "findings", "alerts",
                "alert_deliveries", "audit_log", "offchain_events", "cursors"} <= tables
        assert await migrate(pool) == []
    finally:
        await pool.close()


async def test_concurrent_migrations_do_not_collide(empty_dsn: str) -> None:
    pools = [await create_pool(empty_dsn) for _ in range(3)]
    try:
        results = await asyncio.gather(*(migrate(p) for p in pools))
        assert sorted(len(r) for r in results) == [0, 0, len(load_migrations())]
        count = await pools[0].fetchval("SELECT count(*) FROM schema_migrations")
        assert count == len(load_migrations())
    finally:
        for p in pools:
            await p.close()


async def test_tampered_migration_is_refused(empty_dsn: str, tmp_path: Path) -> None:
    migrations = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, migrations)
    pool = await create_pool(empty_dsn)
    try:
        await migrate(pool, migrations)
        first = sorted(migrations.glob("*.sql"))[0]
        first.write_text(first.read_text() + "\n-- sneaky edit\n")
        with pytest.raises(MigrationError, match="changed after it was applied"):
            await migrate(pool, migrations)
    finally:
        await pool.close()


async def test_failed_migration_rolls_back(empty_dsn: str, tmp_path: Path) -> None:
    migrations = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, migrations)
    (migrations / "9999_broken.sql").write_text("CREATE TABLE ok_table (x int); SELECT 1/0;")
    pool = await create_pool(empty_dsn)
    try:
        with pytest.raises(asyncpg.DivisionByZeroError):
            await migrate(pool, migrations)
        assert await pool.fetchval("SELECT to_regclass('ok_table')") is None
        assert await pool.fetchval("SELECT max(version) FROM schema_migrations") < 9999
    finally:
        await pool.close()


def test_badly_named_migration_is_rejected(tmp_path: Path) -> None:
    (tmp_path / "1_x.sql").write_text("SELECT 1;")
    with pytest.raises(MigrationError, match="must look like"):
        load_migrations(tmp_path)


async def test_holds_max_uint256_exactly(pool: asyncpg.Pool) -> None:
    max_uint = 2**256 - 1
    await pool.execute("INSERT INTO chains (chain_id) VALUES (1)")
    await pool.execute(
        "INSERT INTO edges (chain_id, src, dst, kind, token, count, total, first_block, last_block)"
        " VALUES (1, '0xa', '0xb', 'erc20', '0xt', 1, $1, 1, 1)", max_uint)
    assert await pool.fetchval("SELECT total FROM edges") == max_uint
    assert await pool.fetchval("SELECT total::text FROM edges") == str(max_uint)


async def test_action_vocabulary_migration_rewrites_old_rows(empty_dsn: str,
                                                             tmp_path: Path) -> None:
    """Rows the withdrawal engine wrote in its API words become the one lowercase action,
    and a later write in another casing is refused by the constraint."""
    migrations = tmp_path / "migrations"
    migrations.mkdir()
    for sql in sorted(MIGRATIONS_DIR.glob("*.sql")):
        if sql.name < "0034":
            shutil.copy(sql, migrations / sql.name)
    pool = await create_pool(empty_dsn)
    try:
        await migrate(pool, migrations)
        for word in ("BLOCKED", "HOLD", "APPROVED", "quarantine"):
            await pool.execute(
                "INSERT INTO incidents (correlation_key, risk_score, confidence_low, "
                "confidence_high, severity, action, summary) VALUES ($1, 900, 800, 1000, "
                "'critical', $1, '')", word)
            await pool.execute("INSERT INTO decisions (subject, risk_score, action) "
                               "VALUES ($1, 900, $1)", word)
        await migrate(pool)
        incidents = dict(await pool.fetch("SELECT correlation_key, action FROM incidents"))
        decisions = dict(await pool.fetch("SELECT subject, action FROM decisions"))
        expected = {"BLOCKED": "reject", "HOLD": "quarantine", "APPROVED": "allow",
                    "quarantine": "quarantine"}
        assert incidents == expected and decisions == expected
        with pytest.raises(asyncpg.CheckViolationError):
            await pool.execute("INSERT INTO decisions (subject, risk_score, action) "
                               "VALUES ('x', 1, 'BLOCKED')")
    finally:
        await pool.close()
