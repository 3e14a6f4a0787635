"""BlockWriter: the one place blocks reach PostgreSQL (live head, backfill, replay).

Every write is delete-and-rewrite for the blocks it covers, inside one transaction
that also moves the cursor, so re-running a range changes nothing and a crash
leaves either the whole batch or none of it. Aggregated edges are kept equal to the
sum of their per-block ``edge_events`` (subtracted before a rewrite or a reorg).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Literal

from hafeniq_chain.decode.records import BlockBundle
from hafeniq_chain.metrics import BLOCKS_INDEXED
from hafeniq_chain.store.database import Connection
from hafeniq_chain.store.rows import TABLE_COLUMNS, PreparedBatch, prepare_batch

WriteMethod = Literal["copy", "insert"]

_SUBTRACT_EDGES = """
WITH gone AS (
    SELECT src, dst, kind, token, count(*) AS c, sum(amount) AS t
    FROM edge_events WHERE chain_id = $1 AND block_number = ANY($2::bigint[])
    GROUP BY src, dst, kind, token)
UPDATE edges e SET count = e.count - gone.c, total = e.total - gone.t
FROM gone WHERE e.chain_id = $1 AND e.src = gone.src AND e.dst = gone.dst
  AND e.kind = gone.kind AND e.token = gone.token"""

_ADD_EDGES = """
INSERT INTO edges (chain_id, src, dst, kind, token, count, total, first_block, last_block)
SELECT $1, src, dst, kind, token, count(*), sum(amount), min(block_number), max(block_number)
FROM edge_events WHERE chain_id = $1 AND block_number = ANY($2::bigint[])
GROUP BY src, dst, kind, token
ON CONFLICT (chain_id, src, dst, kind, token) DO UPDATE SET
    count = edges.count + EXCLUDED.count, total = edges.total + EXCLUDED.total,
    first_block = LEAST(edges.first_block, EXCLUDED.first_block),
    last_block = GREATEST(edges.last_block, EXCLUDED.last_block)"""

_ENTITIES = """
INSERT INTO entities (chain_id, address, kind, first_seen_block)
SELECT $1, a.address, a.kind, a.block FROM unnest($2::text[], $3::text[], $4::bigint[])
    AS a(address, kind, block)
ON CONFLICT (chain_id, address) DO UPDATE SET
    first_seen_block = LEAST(entities.first_seen_block, EXCLUDED.first_seen_block),
    kind = CASE WHEN entities.kind = 'unknown' THEN EXCLUDED.kind ELSE entities.kind END,
    updated_at = now()"""

_LINK_PENDING = """
UPDATE pending_transactions p SET included_block = t.block_number,
    mempool_delay_ms = GREATEST(0, (extract(epoch FROM b.timestamp - p.first_seen)
                                    * 1000)::bigint)
FROM transactions t JOIN blocks b ON b.chain_id = t.chain_id AND b.number = t.block_number
WHERE p.chain_id = $1 AND t.chain_id = $1 AND t.hash = p.hash
  AND t.block_number = ANY($2::bigint[])"""

# NOTE: per transaction of the batch (partition-pruned), one probe of pending_transactions.
_FLAG_PRIVATE = """
UPDATE transactions t SET private = p.hash IS NULL, mempool_delay_ms = p.mempool_delay_ms
FROM transactions t2 LEFT JOIN pending_transactions p ON p.chain_id = t2.chain_id
    AND p.hash = t2.hash
WHERE t.chain_id = $1 AND t2.chain_id = $1 AND t2.block_number = ANY($2::bigint[])
  AND t2.block_number = t.block_number AND t2.tx_index = t.tx_index
  AND t.block_number = ANY($2::bigint[])"""

_FIRST_FUNDERS = """
UPDATE entities e SET first_funder = f.src, first_funded_block = f.block_number
FROM (SELECT DISTINCT ON (dst) dst, src, block_number FROM edge_events
      WHERE chain_id = $1 AND block_number = ANY($2::bigint[]) AND kind = 'native'
      ORDER BY dst, block_number, tx_hash) f
WHERE e.chain_id = $1 AND e.address = f.dst
  AND (e.first_funded_block IS NULL OR e.first_funded_block > f.block_number)"""


def _entity_kinds(batch: PreparedBatch, known: Mapping[str, str]) -> list[str]:
    """The batch's own guess per address, overridden by what the node told us."""
    return [known.get(a, k) for a, k in zip(batch.entities.addresses, batch.entities.kinds,
                                            strict=True)]


async def _insert(conn: Connection, table: str, rows: list[tuple[Any, ...]],
                  method: WriteMethod) -> None:
    if not rows:
        return
    columns = TABLE_COLUMNS[table]
    if method == "copy":
        await conn.copy_records_to_table(table, records=rows, columns=columns)
    else:
        marks = ", ".join(f"${i + 1}" for i in range(len(columns)))
        await conn.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)


async def write_blocks(conn: Connection, bundles: Sequence[BlockBundle], *,
                       cursor: str | None = None, method: WriteMethod = "insert",
                       entity_kinds: Mapping[str, str] | None = None,
                       mempool_active: bool = False) -> None:
    """Write ``bundles`` (one chain) atomically; replaces any stored rows of those blocks."""
    if bundles:
        await write_prepared(conn, prepare_batch(bundles), cursor=cursor, method=method,
                             entity_kinds=entity_kinds, mempool_active=mempool_active)


async def write_prepared(conn: Connection, batch: PreparedBatch, *,
                         cursor: str | None = None, method: WriteMethod = "insert",
                         entity_kinds: Mapping[str, str] | None = None,
                         mempool_active: bool = False,
                         before_commit: Callable[[], Awaitable[None]] | None = None) -> None:
    """Write a prepared batch atomically; replaces any stored rows of its blocks.

    With ``cursor`` the named cursor moves to the highest block written, in the same
    transaction. With ``mempool_active`` (a mempool watcher was running) transactions are
    linked to their pending sightings, and the ones never seen pending flagged private.
    ``before_commit`` is awaited last inside the transaction (the pipelined follower holds
    the commit until the previous batch's detection is done; if it raises, nothing lands).
    """
    chain_id, numbers = batch.chain_id, batch.numbers
    async with conn.transaction():
        # first: creating a partition locks its parent, so before this write touches any
        await conn.execute("SELECT hafeniq_ensure_block_partitions($1, $2, $3)", chain_id,
                           min(numbers), max(numbers))
        await conn.execute("INSERT INTO chains (chain_id) VALUES ($1) ON CONFLICT DO NOTHING",
                           chain_id)
        if await conn.fetchval("SELECT EXISTS (SELECT 1 FROM blocks WHERE chain_id = $1 "
                               "AND number = ANY($2::bigint[]))", chain_id, numbers):
            await conn.execute(_SUBTRACT_EDGES, chain_id, numbers)
            await conn.execute("DELETE FROM blocks WHERE chain_id = $1 "
                               "AND number = ANY($2::bigint[])", chain_id, numbers)
            await conn.execute("DELETE FROM edges WHERE chain_id = $1 AND count <= 0", chain_id)
        for table, rows in batch.rows.items():
            await _insert(conn, table, rows, method)
        await conn.execute(_ADD_EDGES, chain_id, numbers)
        await conn.execute(_ENTITIES, chain_id, batch.entities.addresses,
                           _entity_kinds(batch, entity_kinds or {}), batch.entities.blocks)
        await conn.execute(_FIRST_FUNDERS, chain_id, numbers)
        if mempool_active:
            await conn.execute(_LINK_PENDING, chain_id, numbers)
            await conn.execute(_FLAG_PRIVATE, chain_id, numbers)
        if cursor is not None:
            await conn.execute(
                "INSERT INTO cursors (chain_id, name, block_number, block_hash) "
                "VALUES ($1, $2, $3, $4) ON CONFLICT (chain_id, name) DO UPDATE SET "
                "block_number = EXCLUDED.block_number, block_hash = EXCLUDED.block_hash, "
                "updated_at = now()", chain_id, cursor, batch.top_number, batch.top_hash)
        if before_commit is not None:
            await before_commit()
    BLOCKS_INDEXED.labels(source=batch.source).inc(len(numbers))
