"""Blocks mined on a real Anvil land in a real PostgreSQL exactly: values, decoded args, edges."""

from __future__ import annotations

import asyncpg
import pytest
from web3 import Web3

from hafeniq_chain.chain.anvil import AnvilNode
from hafeniq_chain.chain.indexer import BlockIndexer
from hafeniq_chain.chain.rpc import RpcClient
from hafeniq_chain.store.writer import WriteMethod
from tests.support.contracts import deploy

pytestmark = pytest.mark.integration
ETH = 10**18


def _activity(anvil: AnvilNode) -> dict[str, str]:
    w3 = Web3(Web3.HTTPProvider(anvil.http_url))
    a0, a1, a2 = (w3.eth.accounts[i] for i in range(3))
    weth = deploy(w3, "WETH9")
    w3.eth.send_transaction({"from": a0, "to": a2, "value": ETH})
    weth.functions.deposit().transact({"from": a0, "value": 5 * ETH})
    weth.functions.transfer(a1, 2 * ETH).transact({"from": a0})
    weth.functions.transfer(a1, 1).transact({"from": a0})
    weth.functions.approve(a2, 2**256 - 1).transact({"from": a1})
    reverted = weth.functions.transfer(a2, 100 * ETH).build_transaction(
        {"from": a1, "gas": 100_000})
    w3.eth.send_transaction(reverted)
    return {"a0": a0.lower(), "a1": a1.lower(), "a2": a2.lower(),
            "weth": weth.address.lower()}


async def _index_all(anvil: AnvilNode, pool: asyncpg.Pool, method: WriteMethod = "insert"
                     ) -> BlockIndexer:
    rpc = RpcClient([anvil.http_url])
    indexer = BlockIndexer(rpc, pool, chain_id=31337)
    head = await rpc.block_number()
    await indexer.index(list(range(0, head + 1)), cursor="head", method=method)
    await rpc.close()
    return indexer


async def test_blocks_appear_exactly(anvil: AnvilNode, pool: asyncpg.Pool) -> None:
    who = _activity(anvil)
    await _index_all(anvil, pool)

    assert await pool.fetchval("SELECT count(*) FROM blocks") == 8
    assert await pool.fetchval("SELECT block_number FROM cursors WHERE name = 'head'") == 7

    native = await pool.fetchrow("SELECT * FROM transactions WHERE to_addr = $1 AND input = ''",
                                 who["a2"])
    assert native["value"] == ETH and native["from_addr"] == who["a0"]
    assert native["status"] == 1

    transfers = await pool.fetch(
        "SELECT decoded FROM logs WHERE event_name = 'Transfer' AND address = $1 "
        "ORDER BY block_number", who["weth"])
    assert [r["decoded"] for r in transfers] == [
        {"from": who["a0"], "to": who["a1"], "value": 2 * ETH},
        {"from": who["a0"], "to": who["a1"], "value": 1},
    ]
    approve = await pool.fetchrow(
        "SELECT function_name, decoded_args FROM transactions WHERE selector = '0x095ea7b3'")
    assert approve["function_name"] == "approve"
    # The standard ERC-20 ABI is registered first: WETH9's src/dst/wad read as from/to/value.
    assert approve["decoded_args"] == {"spender": who["a2"], "amount": 2**256 - 1}

    failed = await pool.fetchrow("SELECT status FROM transactions WHERE from_addr = $1 "
                                 "AND selector = '0xa9059cbb'", who["a1"])
    assert failed["status"] == 0

    edge = await pool.fetchrow("SELECT count, total FROM edges WHERE kind = 'native' "
                               "AND src = $1 AND dst = $2", who["a0"], who["a2"])
    assert (edge["count"], edge["total"]) == (1, ETH)
    approvals = await pool.fetchrow("SELECT count, total, token FROM edges WHERE kind = "
                                    "'approve' AND src = $1", who["a1"])
    assert (approvals["count"], approvals["total"], approvals["token"]) == (
        1, 2**256 - 1, who["weth"])
    calls = await pool.fetchval("SELECT count FROM edges WHERE kind = 'call' AND src = $1 "
                                "AND dst = $2", who["a0"], who["weth"])
    assert calls == 3  # deposit + two transfers; the deployment is not a call

    entity = await pool.fetchrow("SELECT kind, first_funder FROM entities WHERE address = $1",
                                 who["a2"])
    assert entity["first_funder"] == who["a0"]
    assert await pool.fetchval("SELECT kind FROM entities WHERE address = $1",
                               who["weth"]) == "contract"


@pytest.mark.parametrize("method", ["insert", "copy"])
async def test_reindexing_changes_nothing(anvil: AnvilNode, pool: asyncpg.Pool,
                                          method: WriteMethod) -> None:
    _activity(anvil)
    await _index_all(anvil, pool, method)
    snapshot = await pool.fetch("SELECT * FROM edges ORDER BY src, dst, kind, token")
    counts = await pool.fetchrow("SELECT (SELECT count(*) FROM transactions) t, "
                                 "(SELECT count(*) FROM logs) l, (SELECT count(*) FROM "
                                 "edge_events) e, (SELECT count(*) FROM entities) n")
    await _index_all(anvil, pool, method)
    assert await pool.fetch("SELECT * FROM edges ORDER BY src, dst, kind, token") == snapshot
    assert await pool.fetchrow("SELECT (SELECT count(*) FROM transactions) t, "
                               "(SELECT count(*) FROM logs) l, (SELECT count(*) FROM "
                               "edge_events) e, (SELECT count(*) FROM entities) n") == counts
