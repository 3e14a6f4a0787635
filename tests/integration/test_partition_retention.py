"""Raw tables partitioned by block range on a real PostgreSQL: COPY and INSERT into the
parents land in per-range partitions created by the writer; retention drops whole expired
partitions and leaves blocks, edges, findings, incidents and the audit chain intact."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import asyncpg

from hafeniq_chain.audit import verify_chain
from hafeniq_chain.core.finding import ConfidenceBand, Finding, Severity
from hafeniq_chain.core.policy import Policy
from hafeniq_chain.core.reasons import ReasonCode
from hafeniq_chain.fuse.engine import IncidentEngine
from hafeniq_chain.store.partitions import drop_expired_partitions, list_partitions
from hafeniq_chain.store.writer import write_blocks
from tests.support.blocks import BlockBuilder, addr, topic, word

DAY = 86_400
TOKEN = addr(0xEEEE)


def _block(number: int, timestamp: int) -> BlockBuilder:
    b = BlockBuilder(number, timestamp)
    for i in range(3):
        h = b.tx(addr(1 + i), TOKEN, data=bytes.fromhex("a9059cbb") + bytes(64), nonce=i)
        b.transfer(h, TOKEN, addr(1 + i), addr(100 + number % 7), 10 + i)
        b.log(h, TOKEN, "Transfer(address,address,uint256)",
              (word("address", addr(1 + i)), word("address", addr(100))), bytes(32))
    return b


async def _count(pool: asyncpg.Pool, table: str) -> int:
    n: int = await pool.fetchval(f"SELECT count(*) FROM {table}")
    return n


async def test_partitions_by_block_range_and_retention_keeps_what_matters(
        pool: asyncpg.Pool) -> None:
    await pool.execute("UPDATE block_partitioning SET width = 10")
    now = int(time.time())
    old = [_block(n, now - 100 * DAY + n).bundle() for n in range(30)]
    recent = [_block(n, now - 60 + n).bundle() for n in range(30, 35)]
    async with pool.acquire() as conn:
        await write_blocks(conn, old[:15], method="copy", cursor="head")  # COPY into parents
        await write_blocks(conn, old[15:], method="insert", cursor="head")
        await write_blocks(conn, recent, method="copy", cursor="head")
        await write_blocks(conn, recent[-2:], method="copy", cursor="head")  # rewrite: no-op

    parts = await list_partitions(pool)
    assert {p.first_block for p in parts if p.table == "transactions"} == {0, 10, 20, 30, 40}
    assert len(parts) == 5 * 5  # every raw table, ranges 0..40 (40 = created ahead)
    assert await pool.fetchval("SELECT count(*) FROM ONLY transactions") == 0  # the parent
    assert await _count(pool, "transactions_c1_b20") == 30
    assert await _count(pool, "transactions") == 35 * 3
    assert await _count(pool, "edge_events") == 35 * 3 * 2  # the call and the transfer
    edges_before = await pool.fetch("SELECT * FROM edges ORDER BY src, dst")

    engine = IncidentEngine(pool, Policy(), [], weights={})
    await engine.process([Finding(
        "drift", "1", "burst", 0.95, ConfidenceBand(0.9, 0.97), Severity.HIGH,
        (ReasonCode.FLASH_BURST,), "old burst", "old-1", chain_id=1, entities=(addr(1),),
        tx_hashes=(old[5].transactions[0].hash,), block_from=5, block_to=5)])
    counts = {t: await _count(pool, t) for t in ("findings", "incidents", "audit_log")}
    assert counts["findings"] == 1 and counts["audit_log"] >= 1

    listed = await drop_expired_partitions(pool, keep_days=30, dry_run=True)
    assert await _count(pool, "transactions") == 35 * 3
    dropped = await drop_expired_partitions(pool, keep_days=30,
                                            now=datetime.fromtimestamp(now, UTC))
    assert dropped == listed
    assert sorted({p.first_block for p in dropped}) == [0, 10, 20] and len(dropped) == 15
    assert await _count(pool, "transactions") == 5 * 3
    assert await _count(pool, "logs") == 5 * 3
    assert await _count(pool, "edge_events") == 5 * 3 * 2
    assert await _count(pool, "blocks") == 35
    assert await pool.fetch("SELECT * FROM edges ORDER BY src, dst") == edges_before
    assert {t: await _count(pool, t) for t in counts} == counts
    assert (await verify_chain(pool)).ok
    assert await drop_expired_partitions(pool, keep_days=30) == []  # nothing left to drop

    async with pool.acquire() as conn:  # the head keeps being written after retention
        await write_blocks(conn, [_block(n, now + n).bundle() for n in (35, 36)],
                           method="copy", cursor="head")
    assert await _count(pool, "transactions") == 7 * 3
    assert await pool.fetchval("SELECT block_number FROM cursors WHERE name = 'head'") == 36
    assert topic("Transfer(address,address,uint256)") == await pool.fetchval(
        "SELECT DISTINCT topic0 FROM logs")
