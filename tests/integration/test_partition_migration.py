"""Migration 0071 on a database that already holds blocks: every raw row moves into a
block-range partition of the new parent, keys and foreign keys hold, nothing is lost."""

from __future__ import annotations

import shutil
from pathlib import Path

import asyncpg

from hafeniq_chain.store.migrator import MIGRATIONS_DIR, migrate


async def test_existing_rows_move_into_partitions(empty_dsn: str, tmp_path: Path) -> None:
    before = tmp_path / "before"
    before.mkdir()
    for sql in MIGRATIONS_DIR.glob("*.sql"):
        if int(sql.name[:4]) < 71:
            shutil.copy(sql, before / sql.name)
    pool = await asyncpg.create_pool(empty_dsn, min_size=1, max_size=2)
    try:
        await migrate(pool, before)
        await pool.execute("INSERT INTO chains (chain_id) VALUES (1), (10)")
        for chain, numbers in ((1, range(49_998, 50_003)), (10, range(3))):
            for n in numbers:
                await pool.execute(
                    "INSERT INTO blocks (chain_id, number, hash, parent_hash, timestamp) "
                    "VALUES ($1, $2, $3, '0x0', now())", chain, n, f"0x{chain}-{n}")
                await pool.execute(
                    "INSERT INTO transactions (chain_id, block_number, tx_index, hash, from_addr)"
                    " VALUES ($1, $2, 0, $3, '0xa')", chain, n, f"0xt{chain}-{n}")
                await pool.execute(
                    "INSERT INTO logs (chain_id, block_number, log_index, tx_hash, tx_index, "
                    "address) VALUES ($1, $2, 0, $3, 0, '0xc')", chain, n, f"0xt{chain}-{n}")
                await pool.execute(
                    "INSERT INTO edge_events (chain_id, block_number, tx_hash, position, src, "
                    "dst, kind) VALUES ($1, $2, $3, 'log:0', '0xa', '0xb', 'erc20')",
                    chain, n, f"0xt{chain}-{n}")

        assert await migrate(pool) == [p.name for p in sorted(MIGRATIONS_DIR.glob("*.sql"))
                                       if int(p.name[:4]) >= 71]
        for table in ("transactions", "logs", "edge_events"):
            assert await pool.fetchval(f"SELECT count(*) FROM {table}") == 8, table
            assert await pool.fetchval(f"SELECT count(*) FROM ONLY {table}") == 0, table
        parts = {r["relname"] for r in await pool.fetch(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'transactions'")}
        # chain 1 spans a range boundary; each chain also gets the range ahead
        assert parts == {"transactions_c1_b0", "transactions_c1_b50000",
                         "transactions_c1_b100000", "transactions_c10_b0",
                         "transactions_c10_b50000"}
        assert await pool.fetchval(
            "SELECT count(*) FROM transactions_c1_b50000") == 3
        await pool.execute("DELETE FROM blocks WHERE chain_id = 10")  # the cascade still holds
        assert await pool.fetchval("SELECT count(*) FROM logs") == 5
    finally:
        await pool.close()
