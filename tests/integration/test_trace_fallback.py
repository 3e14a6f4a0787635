"""``fetch_traces`` on a node without ``trace_block`` uses geth's callTracer and stores the
same internal calls; a node with neither gets one clear error.

Blocks of seeded benign traffic (swaps, liquidity, governance, bridges) are recorded from
a real Anvil with both tracing answers, then served by the recorded node with
``trace_block`` missing: what is stored must equal what Anvil's own ``trace_block`` gives.
"""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest
from web3 import Web3

from hafeniq_chain.chain.anvil import AnvilNode
from hafeniq_chain.chain.follower import Follower
from hafeniq_chain.chain.indexer import BlockIndexer
from hafeniq_chain.chain.recorded_blocks import record_from_node
from hafeniq_chain.chain.recorded_node import NodeProfile, RecordedNode
from hafeniq_chain.chain.rpc import RpcClient
from hafeniq_chain.chain.trace_source import CALL_TRACER, PARITY, TracesUnavailable
from hafeniq_chain.world.manifest import Manifest
from hafeniq_chain.world.traffic import run_benign

pytestmark = pytest.mark.timeout(90)


async def _stored_calls(pool: asyncpg.Pool, chain_id: int) -> list[tuple[Any, ...]]:
    rows = await pool.fetch(
        "SELECT tx_hash, trace_address, call_type, from_addr, to_addr, value, selector, "
        "function_name, error IS NOT NULL AS failed FROM calls WHERE chain_id = $1 "
        "ORDER BY tx_hash, trace_address", chain_id)
    return [tuple(r.values()) for r in rows]


async def _index(url: str, pool: asyncpg.Pool, chain_id: int, first: int) -> str | None:
    indexer = BlockIndexer(RpcClient([url]), pool, chain_id, fetch_traces=True)
    try:
        await Follower(indexer, start_block=first).catch_up()
    finally:
        await indexer.rpc.close()
    return indexer.trace_method


async def test_call_tracer_fallback_stores_what_trace_block_stores(
        world: tuple[AnvilNode, Manifest], pool: asyncpg.Pool) -> None:
    node, manifest = world
    w3 = Web3(Web3.HTTPProvider(node.http_url))
    stats = run_benign(w3, manifest, seed=11, n_tx=60, hours=1, n_wallets=20)
    numbers = list(range(stats.first_block, stats.last_block + 1))
    rpc = RpcClient([node.http_url])
    recorded = await record_from_node(rpc, numbers)
    await rpc.close()
    assert all(b.traces is not None and b.call_traces is not None for b in recorded)
    assert await _index(node.http_url, pool, 31337, stats.first_block) == PARITY
    profile = NodeProfile(chain_id=31337, missing=frozenset({"trace_block"}))
    async with RecordedNode(recorded, profile=profile, revealed=len(recorded)) as served:
        assert await _index(served.http_url, pool, 7, stats.first_block) == CALL_TRACER
        assert served.calls["debug_traceBlockByNumber"] >= len(recorded)
    parity, call_tracer = await _stored_calls(pool, 31337), await _stored_calls(pool, 7)
    assert len(parity) > 2 * stats.tx_sent  # internal calls, not only the top-level ones
    assert call_tracer == parity
    for table in ("swaps", "edge_events"):
        query = f"SELECT * FROM {table} WHERE chain_id = $1 ORDER BY 2, 3, 4"
        a, b = await pool.fetch(query, 31337), await pool.fetch(query, 7)
        assert a, table
        assert [tuple(r.values())[1:] for r in a] == [tuple(r.values())[1:] for r in b], table


async def test_no_tracing_method_is_one_clear_error(anvil: AnvilNode,
                                                    pool: asyncpg.Pool) -> None:
    rpc = RpcClient([anvil.http_url])
    recorded = await record_from_node(rpc, [0], traces=False)
    await rpc.close()
    profile = NodeProfile.like("ganache", chain_id=31337)
    async with RecordedNode(recorded, profile=profile) as served:
        with pytest.raises(TracesUnavailable, match="neither trace_block nor "
                                                     "debug_traceBlockByNumber"):
            await _index(served.http_url, pool, 31337, 0)
