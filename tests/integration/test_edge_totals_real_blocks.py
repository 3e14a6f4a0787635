"""Aggregated edges over real mainnet blocks repeated: totals beyond 78 digits are kept exact.

Real blocks carry max-uint256 approvals; the same (owner, spender, token) approved nine
times sums past numeric(78,0), which used to fail the whole write ("numeric field
overflow"). Thirty busy blocks cycling through the recordings repeat each approval ten
times; every edge must still equal the sum of its events.
"""

from __future__ import annotations

from pathlib import Path

import asyncpg
import pytest

from hafeniq_chain.chain.backfill import backfill
from hafeniq_chain.chain.indexer import BlockIndexer
from hafeniq_chain.chain.recorded_blocks import contiguous, transaction_count
from hafeniq_chain.chain.recorded_node import RecordedNode
from hafeniq_chain.chain.rpc import RpcClient
from tests.support.real_rpc import real_rpc_blocks

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]


async def test_edge_totals_beyond_uint256_stay_exact(shared_data: Path,
                                                     pool: asyncpg.Pool) -> None:
    busy = [b for b in real_rpc_blocks(shared_data) if transaction_count([b]) >= 100]
    chain = contiguous(busy, 1, 10 * len(busy))
    async with RecordedNode(chain, revealed=len(chain)) as node:
        rpc = RpcClient([node.http_url])
        stats = await backfill(BlockIndexer(rpc, pool, 1), 1, len(chain), workers=0)
        await rpc.close()
    assert stats.blocks == len(chain)
    biggest = await pool.fetchval("SELECT max(total) FROM edges")
    assert biggest >= 10**78
    mismatched = await pool.fetchval("""
        SELECT count(*) FROM edges e JOIN (
            SELECT src, dst, kind, token, count(*) AS c, sum(amount) AS t FROM edge_events
            GROUP BY src, dst, kind, token) s USING (src, dst, kind, token)
        WHERE e.count <> s.c OR e.total <> s.t""")
    assert mismatched == 0
    assert await pool.fetchval("SELECT count(*) FROM edges") == await pool.fetchval(
        "SELECT count(*) FROM (SELECT DISTINCT src, dst, kind, token FROM edge_events) d")
