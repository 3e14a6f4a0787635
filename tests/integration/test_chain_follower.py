"""Follower on a real Anvil: catch-up, reorg repair, mempool linking, backfill resume."""

from __future__ import annotations

import asyncio
import itertools

import asyncpg
import httpx
import pytest
from web3 import Web3

from hafeniq_chain.chain.anvil import AnvilNode, AnvilOptions
from hafeniq_chain.chain.backfill import backfill
from hafeniq_chain.chain.follower import Follower
from hafeniq_chain.chain.indexer import BlockIndexer
from hafeniq_chain.chain.mempool import PendingStore, pending_from_rpc
from hafeniq_chain.chain.rpc import RpcClient
from hafeniq_chain.chain.subscriptions import Subscriber
from tests.support.contracts import deploy

pytestmark = pytest.mark.integration


def rpc_call(node: AnvilNode, method: str, params: list[object]) -> object:
    response = httpx.post(node.http_url, json={"jsonrpc": "2.0", "id": 1, "method": method,
                                               "params": params}, timeout=10).json()
    assert "error" not in response, response
    return response["result"]


def send_transfers(node: AnvilNode, n: int, value: int = 1) -> list[str]:
    w3 = Web3(Web3.HTTPProvider(node.http_url))
    a = w3.eth.accounts
    return [w3.eth.send_transaction({"from": a[i % 5], "to": a[5 + i % 5],
                                     "value": value + i}).to_0x_hex() for i in range(n)]


def follower_for(node: AnvilNode, pool: asyncpg.Pool, **kwargs: object) -> Follower:
    indexer = BlockIndexer(RpcClient([node.http_url]), pool, chain_id=31337)
    return Follower(indexer, start_block=0, **kwargs)  # type: ignore[arg-type]


async def test_reorg_leaves_only_the_canonical_branch(anvil: AnvilNode,
                                                      pool: asyncpg.Pool) -> None:
    send_transfers(anvil, 6)
    follower = follower_for(anvil, pool)
    assert await follower.catch_up() == 7
    old = {r["number"]: r["hash"] for r in await pool.fetch("SELECT number, hash FROM blocks")}
    orphan_txs = {r["hash"] for r in await pool.fetch(
        "SELECT hash FROM transactions WHERE block_number >= 5")}
    await pool.execute(
        "INSERT INTO findings (chain_id, detector, detector_version, kind, score, "
        "confidence_low, confidence_high, severity, dedup_key, block_from, block_to) VALUES "
        "(31337, 't', '1', 'k', 0.5, 0.4, 0.6, 'low', 'x', 6, 6)")

    w3 = Web3(Web3.HTTPProvider(anvil.http_url))
    a = w3.eth.accounts
    rpc_call(anvil, "anvil_reorg", [2, [[{"from": a[8], "to": a[9], "value": hex(777)}, 0]]])
    send_transfers(anvil, 1, value=10**9)  # the new branch grows past the old head

    await follower.catch_up()
    rows = await pool.fetch("SELECT number, hash, parent_hash FROM blocks ORDER BY number")
    assert [r["number"] for r in rows] == list(range(len(rows)))
    for parent, child in itertools.pairwise(rows):
        assert child["parent_hash"] == parent["hash"]
    for row in rows:
        assert row["hash"] == w3.eth.get_block(row["number"])["hash"].to_0x_hex()
    assert rows[5]["hash"] != old[5] and rows[6]["hash"] != old[6]
    remaining = {r["hash"] for r in await pool.fetch("SELECT hash FROM transactions")}
    assert not (orphan_txs & remaining)
    assert await pool.fetchval("SELECT count(*) FROM transactions WHERE value = 777") == 1
    assert await pool.fetchval("SELECT status FROM findings WHERE dedup_key = 'x'") == \
        "retracted"
    native_total = await pool.fetchval("SELECT sum(total) FROM edges WHERE kind = 'native'")
    assert native_total == await pool.fetchval("SELECT sum(value) FROM transactions")


async def test_pending_seen_before_mining_and_private_flag(pool: asyncpg.Pool) -> None:
    with AnvilNode(AnvilOptions(no_mining=True)) as node:
        store = PendingStore(pool, 31337)
        stop = asyncio.Event()
        subscriber = Subscriber([node.ws_url], on_head=lambda: None,
                                on_pending=lambda tx: store.offer(pending_from_rpc(tx)))
        tasks = [asyncio.create_task(subscriber.run(stop)), asyncio.create_task(store.run(stop))]
        await asyncio.wait_for(subscriber.connected.wait(), 10)
        (seen,) = send_transfers(node, 1)
        for _ in range(100):
            if await pool.fetchval("SELECT count(*) FROM pending_transactions"):
                break
            await asyncio.sleep(0.05)
        row = await pool.fetchrow("SELECT hash, included_block FROM pending_transactions")
        assert row["hash"] == seen and row["included_block"] is None
        stop.set()
        await asyncio.gather(*tasks)

        w3 = Web3(Web3.HTTPProvider(node.http_url))
        unseen = w3.eth.send_transaction({"from": w3.eth.accounts[7], "to": w3.eth.accounts[8],
                                          "value": 5}).to_0x_hex()
        rpc_call(node, "evm_mine", [])
        follower = follower_for(node, pool, mempool_active=True)
        await follower.catch_up()
        flags = {r["hash"]: (r["private"], r["mempool_delay_ms"]) for r in await pool.fetch(
            "SELECT hash, private, mempool_delay_ms FROM transactions")}
        assert flags[seen][0] is False and flags[seen][1] is not None
        assert flags[unseen] == (True, None)
        assert await pool.fetchval("SELECT included_block FROM pending_transactions "
                                   "WHERE hash = $1", seen) == 1


async def test_backfill_is_resumable_and_idempotent(anvil: AnvilNode,
                                                    pool: asyncpg.Pool) -> None:
    send_transfers(anvil, 30)
    indexer = BlockIndexer(RpcClient([anvil.http_url]), pool, chain_id=31337)
    stats = await backfill(indexer, 0, 30, concurrency=3)
    assert stats.blocks == 31 and stats.transactions == 30
    snapshot = await pool.fetch("SELECT * FROM edges ORDER BY src, dst, kind")
    again = await backfill(indexer, 0, 30)
    assert again.blocks == 0 and again.resumed_from == 31
    await pool.execute("DELETE FROM cursors")
    await backfill(indexer, 0, 30)
    assert await pool.fetch("SELECT * FROM edges ORDER BY src, dst, kind") == snapshot
    assert await pool.fetchval("SELECT count(*) FROM transactions") == 30
    await indexer.rpc.close()


async def test_trace_fetch_adds_internal_calls_and_value(anvil: AnvilNode,
                                                        pool: asyncpg.Pool) -> None:
    w3 = Web3(Web3.HTTPProvider(anvil.http_url))
    me = w3.eth.accounts[0]
    weth = deploy(w3, "WETH9")
    weth.functions.deposit().transact({"from": me, "value": 3 * 10**18})
    weth.functions.withdraw(10**18).transact({"from": me})  # WETH sends ETH back internally
    indexer = BlockIndexer(RpcClient([anvil.http_url]), pool, 31337, fetch_traces=True)
    await Follower(indexer, start_block=0).catch_up()
    await indexer.rpc.close()
    internal = await pool.fetchrow("SELECT * FROM calls WHERE trace_address = '0'")
    assert internal["from_addr"] == weth.address.lower() and internal["to_addr"] == me.lower()
    assert internal["value"] == 10**18
    top = await pool.fetchrow("SELECT function_name, decoded_args FROM calls WHERE "
                              "trace_address = '' AND selector = '0x2e1a7d4d'")
    assert top["function_name"] == "withdraw" and top["decoded_args"] == {"wad": 10**18}
    edge = await pool.fetchrow("SELECT count, total FROM edges WHERE kind = 'native' "
                               "AND src = $1 AND dst = $2", weth.address.lower(), me.lower())
    assert (edge["count"], edge["total"]) == (1, 10**18)


async def test_watched_contract_logs_arrive_by_subscription(anvil: AnvilNode) -> None:
    w3 = Web3(Web3.HTTPProvider(anvil.http_url))
    weth = deploy(w3, "WETH9")
    woken: list[int] = []
    stop = asyncio.Event()
    subscriber = Subscriber([anvil.ws_url], on_head=lambda: woken.append(1),
                            watched=[weth.address])
    task = asyncio.create_task(subscriber.run(stop))
    await asyncio.wait_for(subscriber.connected.wait(), 10)
    weth.functions.deposit().transact({"from": w3.eth.accounts[1], "value": 5})
    for _ in range(100):
        if subscriber.watched_logs:
            break
        await asyncio.sleep(0.05)
    stop.set()
    await task
    assert subscriber.watched_logs == 1 and woken


def _pending_event_waits() -> list[asyncio.Task[object]]:
    return [t for t in asyncio.all_tasks() if "Event.wait" in repr(t.get_coro())]


async def test_cancelled_follower_and_subscriber_leave_no_pending_waiter(
        anvil: AnvilNode, pool: asyncpg.Pool) -> None:
    """A lost lease cancels the owner's stages mid-wait; their waiters must go with them
    (a waiter left pending is logged as 'Task was destroyed but it is pending!')."""
    before = set(_pending_event_waits())
    follower = follower_for(anvil, pool)
    subscriber = Subscriber([anvil.ws_url], on_head=follower.wakeup.set)
    stop = asyncio.Event()
    tasks = [asyncio.create_task(follower.run(stop, 30.0)),
             asyncio.create_task(subscriber.run(stop))]
    for _ in range(100):  # until both idle in their waits
        await asyncio.sleep(0.05)
        if len(set(_pending_event_waits()) - before) >= 3:
            break
    assert len(set(_pending_event_waits()) - before) >= 3
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await asyncio.sleep(0)
    assert set(_pending_event_waits()) - before == set()
    await follower.indexer.rpc.close()
