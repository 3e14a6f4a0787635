"""Undo blocks that left the canonical chain, keeping what detectors said about them.

Orphaned blocks and their rows are deleted (children cascade); the aggregated edges
are reduced by exactly the orphaned contributions; findings and alerts about those
blocks are kept but marked retracted so users are told, not left guessing.
"""

from __future__ import annotations

from hafeniq_chain.store.database import Connection

_SUBTRACT_FROM = """
WITH gone AS (
    SELECT src, dst, kind, token, count(*) AS c, sum(amount) AS t
    FROM edge_events WHERE chain_id = $1 AND block_number >= $2
    GROUP BY src, dst, kind, token)
UPDATE edges e SET count = e.count - gone.c, total = e.total - gone.t
FROM gone WHERE e.chain_id = $1 AND e.src = gone.src AND e.dst = gone.dst
  AND e.kind = gone.kind AND e.token = gone.token"""

_RECOMPUTE_LAST = """
UPDATE edges e SET last_block = (
    SELECT max(ee.block_number) FROM edge_events ee
    WHERE ee.chain_id = e.chain_id AND ee.src = e.src AND ee.dst = e.dst
      AND ee.kind = e.kind AND ee.token = e.token AND ee.block_number < $2)
WHERE e.chain_id = $1 AND e.last_block >= $2"""


async def remove_blocks_from(conn: Connection, chain_id: int, first_orphan: int
                             ) -> list[int]:
    """Delete blocks >= ``first_orphan``; returns the ids of findings now retracted."""
    async with conn.transaction():
        await conn.execute(_SUBTRACT_FROM, chain_id, first_orphan)
        await conn.execute("DELETE FROM edges WHERE chain_id = $1 AND count <= 0", chain_id)
        await conn.execute(_RECOMPUTE_LAST, chain_id, first_orphan)
        await conn.execute(
            "UPDATE pending_transactions SET included_block = NULL, mempool_delay_ms = NULL "
            "WHERE chain_id = $1 AND included_block >= $2", chain_id, first_orphan)
        await conn.execute(
            "DELETE FROM entities WHERE chain_id = $1 AND first_seen_block >= $2 "
            "AND labels = '{}'", chain_id, first_orphan)
        await conn.execute("DELETE FROM blocks WHERE chain_id = $1 AND number >= $2",
                           chain_id, first_orphan)
        rows = await conn.fetch(
            "UPDATE findings SET status = 'retracted' WHERE chain_id = $1 "
            "AND block_to >= $2 AND status <> 'retracted' RETURNING id", chain_id, first_orphan)
        retracted = [r["id"] for r in rows]
        if retracted:
            await conn.execute(
                "UPDATE incidents SET status = 'retracted', updated_at = now() "
                "WHERE finding_ids && $1::bigint[] AND NOT EXISTS (SELECT 1 FROM findings f "
                "WHERE f.id = ANY(incidents.finding_ids) AND f.status <> 'retracted')",
                retracted)
            await conn.execute(
                "UPDATE alerts SET retracted = true WHERE incident_id IN "
                "(SELECT id FROM incidents WHERE status = 'retracted')")
    return retracted
