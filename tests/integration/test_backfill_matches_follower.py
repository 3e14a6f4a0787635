"""A backfill (worker processes, COPY) stores exactly what the live follower stores.

Both index the same real Anvil blocks (the deployed world plus seeded benign traffic:
swaps, transfers, liquidity, bridging, governance, failed transactions) into two fresh
databases; every chain-derived table must match row for row. The backfill is also
interrupted once and resumed, and re-run over the whole range, which must change
nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest
from web3 import Web3

from hafeniq_chain.chain.anvil import AnvilNode
from hafeniq_chain.chain.backfill import backfill
from hafeniq_chain.chain.follower import Follower
from hafeniq_chain.chain.indexer import BlockIndexer
from hafeniq_chain.chain.rpc import RpcClient
from hafeniq_chain.store.database import create_pool
from hafeniq_chain.store.migrator import migrate
from hafeniq_chain.world.manifest import Manifest
from hafeniq_chain.world.traffic import run_benign

pytestmark = pytest.mark.integration

# Table -> (columns that legitimately differ between the two runs, order).
TABLES = {
    "blocks": ({"source", "indexed_at"}, "number"),
    "transactions": (set(), "block_number, tx_index"),
    "logs": (set(), "block_number, log_index"),
    "calls": (set(), "tx_hash, trace_address"),
    "swaps": (set(), "tx_hash, position"),
    "edge_events": (set(), "tx_hash, position, kind"),
    "edges": (set(), "src, dst, kind, token"),
    "entities": ({"updated_at"}, "address"),
}


class Interrupted(RuntimeError):
    """Raised from the progress callback to stop a backfill half-way."""


@pytest.fixture
async def second_pool(pg_server: str) -> AsyncIterator[asyncpg.Pool]:
    """Another fresh, migrated database on the session's server."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(pg_server)
    await admin.execute(f'CREATE DATABASE "{name}"')
    base, _, query = pg_server.partition("?")
    pool = await create_pool(f"{base.rsplit('/', 1)[0]}/{name}?{query}", max_size=3)
    await migrate(pool)
    yield pool
    await pool.close()
    await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await admin.close()


async def _table(pool: asyncpg.Pool, table: str) -> list[dict[str, object]]:
    skip, order = TABLES[table]
    rows = await pool.fetch(f"SELECT * FROM {table} ORDER BY {order}")
    return [{k: v for k, v in r.items() if k not in skip} for r in rows]


async def test_backfill_rows_equal_follower_rows(world: tuple[AnvilNode, Manifest],
                                                 pool: asyncpg.Pool,
                                                 second_pool: asyncpg.Pool) -> None:
    node, manifest = world
    w3 = Web3(Web3.HTTPProvider(node.http_url))
    run_benign(w3, manifest, seed=5, n_tx=300, hours=1, n_wallets=40, per_block=60)
    # a reverted call (unknown selector, no fallback) must match too
    reverted = w3.eth.send_transaction({"from": w3.eth.accounts[0], "gas": 100_000,
                                        "to": manifest.address("Governor"), "data": "0xdeadbeef"})
    assert w3.eth.wait_for_transaction_receipt(reverted)["status"] == 0
    head = w3.eth.block_number

    follower = Follower(BlockIndexer(RpcClient([node.http_url]), pool, 31337), start_block=0)
    assert await follower.catch_up() == head + 1

    rpc = RpcClient([node.http_url])
    indexer = BlockIndexer(rpc, second_pool, 31337, source="backfill")
    written: list[int] = []

    def stop_half_way(blocks: int) -> None:
        written.append(blocks)
        if sum(written) > head // 2:
            raise Interrupted

    with pytest.raises(Interrupted):
        await backfill(indexer, 0, head, concurrency=3, workers=2, on_progress=stop_half_way)
    resumed = await backfill(indexer, 0, head, concurrency=3, workers=2)
    assert resumed.resumed_from == sum(written)
    assert resumed.blocks == head + 1 - sum(written)
    assert resumed.decode_errors == 0

    for table in TABLES:
        assert await _table(second_pool, table) == await _table(pool, table), table
    assert len(await _table(pool, "swaps")) > 10
    assert len(await _table(pool, "edges")) > 100

    # a second run over the same range (cursor forgotten) rewrites and changes nothing
    await second_pool.execute("DELETE FROM cursors")
    again = await backfill(indexer, 0, head, workers=1)
    assert again.blocks == head + 1
    for table in TABLES:
        assert await _table(second_pool, table) == await _table(pool, table), table
    await rpc.close()
    await follower.indexer.rpc.close()
