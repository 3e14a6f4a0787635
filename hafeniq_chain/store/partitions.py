"""Block-range partitions of the raw per-block tables: list them, drop the expired ones.

Why whole partitions: deleting old rows from a table of billions costs as much I/O as
writing them did and leaves bloat for vacuum; dropping a partition is a catalog change.
Only the raw tables are partitioned (migration 0071). Blocks (one small row each, kept for
hash continuity), aggregated edges, entities, findings, incidents, decisions and the audit
chain are never touched, so ``audit verify`` passes after any retention run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg

from hafeniq_chain.log import get_logger

log = get_logger(__name__)

RAW_TABLES = ("transactions", "logs", "calls", "swaps", "edge_events")
_NAME = re.compile(r"^(?P<table>[a-z_]+)_c(?P<chain>\d+)_b(?P<first>\d+)$")

_LIST = """
SELECT parent.relname AS parent, child.relname AS name
FROM pg_inherits i
JOIN pg_class parent ON parent.oid = i.inhparent
JOIN pg_class child ON child.oid = i.inhrelid
WHERE parent.relname = ANY($1::text[])
ORDER BY child.relname"""


@dataclass(frozen=True)
class Partition:
    """One range of one raw table: blocks ``first_block`` up to ``end_block`` (exclusive)."""

    table: str
    name: str
    chain_id: int
    first_block: int
    end_block: int


async def list_partitions(pool: asyncpg.Pool) -> list[Partition]:
    """Every partition of the raw tables, by chain and block range."""
    width: int = await pool.fetchval("SELECT width FROM block_partitioning")
    found = []
    for row in await pool.fetch(_LIST, list(RAW_TABLES)):
        match = _NAME.match(row["name"])
        if match is None or match["table"] != row["parent"]:
            continue  # attached by hand under another name: not ours to drop
        first = int(match["first"])
        found.append(Partition(row["parent"], row["name"], int(match["chain"]), first,
                               first + width))
    return sorted(found, key=lambda p: (p.chain_id, p.first_block, p.table))


async def expired_partitions(pool: asyncpg.Pool, keep_days: float,
                             now: datetime | None = None) -> list[Partition]:
    """Partitions whose every block is older than ``keep_days`` (by block timestamp)."""
    cutoff_time = (now or datetime.now(UTC)) - timedelta(days=keep_days)
    partitions = await list_partitions(pool)
    cutoffs: dict[int, int | None] = {}
    for chain_id in {p.chain_id for p in partitions}:
        cutoffs[chain_id] = await pool.fetchval(
            "SELECT max(number) FROM blocks WHERE chain_id = $1 AND timestamp < $2",
            chain_id, cutoff_time)
    return [p for p in partitions
            if (cut := cutoffs[p.chain_id]) is not None and p.end_block - 1 <= cut]


async def drop_expired_partitions(pool: asyncpg.Pool, keep_days: float, *,
                                  now: datetime | None = None, dry_run: bool = False,
                                  lock_timeout_s: float = 5.0) -> list[Partition]:
    """Drop (or with ``dry_run`` only list) the expired partitions; returns them.

    Each drop is its own short transaction with a lock timeout, so a long reader delays
    retention (retried at the next run) instead of queueing every writer behind it.
    """
    expired = await expired_partitions(pool, keep_days, now)
    if dry_run:
        return expired
    dropped = []
    for part in expired:
        async with pool.acquire() as conn, conn.transaction():
            await conn.execute(f"SET LOCAL lock_timeout = '{int(lock_timeout_s * 1000)}ms'")
            try:
                await conn.execute(f'DROP TABLE IF EXISTS "{part.name}"')
            except asyncpg.LockNotAvailableError:
                log.warning("store.partition_drop_postponed", partition=part.name)
                continue
        dropped.append(part)
        log.info("store.partition_dropped", partition=part.name, chain_id=part.chain_id,
                 first_block=part.first_block, end_block=part.end_block)
    return dropped
