"""k-hop subgraphs from the edges table: hops, kinds, block window and node budget."""

from __future__ import annotations

import asyncpg
import pytest

from hafeniq_chain.store.graph import k_hop_subgraph

pytestmark = pytest.mark.integration


async def _edges(pool: asyncpg.Pool, rows: list[tuple[str, str, str, int]]) -> None:
    await pool.execute("INSERT INTO chains (chain_id) VALUES (1)")
    await pool.executemany(
        "INSERT INTO edges (chain_id, src, dst, kind, token, count, total, first_block, "
        "last_block) VALUES (1, $1, $2, $3, '', 1, 10, $4, $4)", rows)


async def test_hops_kinds_window_and_budget(pool: asyncpg.Pool) -> None:
    # funder -> a -> b -> c (native), plus a vote edge and an old edge
    await _edges(pool, [("0xf", "0xa", "native", 10), ("0xa", "0xb", "native", 11),
                        ("0xb", "0xc", "native", 12), ("0xa", "0xgov", "vote", 13),
                        ("0xold", "0xa", "native", 1)])
    one = await k_hop_subgraph(pool, 1, ["0xA"], hops=1)
    assert set(one.nodes) == {"0xa", "0xf", "0xb", "0xgov", "0xold"}
    two = await k_hop_subgraph(pool, 1, ["0xa"], hops=2, kinds=["native"], from_block=5)
    assert set(two.nodes) == {"0xa", "0xf", "0xb", "0xc"}
    edge = two.get_edge_data("0xf", "0xa")["native:"]
    assert (edge["count"], edge["total"], edge["first_block"]) == (1, 10, 10)
    small = await k_hop_subgraph(pool, 1, ["0xa"], hops=3, max_nodes=3)
    assert small.number_of_nodes() == 3
