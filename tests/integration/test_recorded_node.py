"""The recorded node answers like a node, and real mainnet blocks index through it.

Every block of ``../shared/data/real-rpc`` is fetched through the real RPC client and
backfill from the recorded node and compared, row by row, with the raw JSON.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import orjson
import pytest

from hafeniq_chain.chain.backfill import backfill
from hafeniq_chain.chain.follower import Follower
from hafeniq_chain.chain.indexer import BlockIndexer
from hafeniq_chain.chain.recorded_blocks import RecordedBlock, contiguous
from hafeniq_chain.chain.recorded_node import NodeProfile, RecordedNode
from hafeniq_chain.chain.rpc import RpcClient, RpcError
from hafeniq_chain.chain.subscriptions import Subscriber
from hafeniq_chain.config import load_settings
from hafeniq_chain.daemon import Daemon, DaemonHalted
from tests.support.real_rpc import assert_stored, real_rpc_blocks

pytestmark = pytest.mark.timeout(60)


async def post(url: str, payload: object) -> object:
    async with aiohttp.ClientSession() as session, session.post(
            url, data=orjson.dumps(payload)) as response:
        return orjson.loads(await response.read())


def call(method: str, *params: object, id_: int = 1) -> dict[str, object]:
    return {"jsonrpc": "2.0", "id": id_, "method": method, "params": list(params)}


async def test_answers_like_a_node(shared_data: Path) -> None:
    blocks = real_rpc_blocks(shared_data)
    b17 = next(b for b in blocks if b.number == 17_000_000)
    async with RecordedNode(blocks, revealed=4) as node:
        answers = await post(node.http_url, [
            call("eth_chainId", id_=0), call("eth_blockNumber", id_=1),
            call("eth_getBlockByNumber", "latest", False, id_=2),
            call("eth_getBlockByHash", b17.hash, True, id_=3),
            call("eth_getBlockReceipts", hex(b17.number), id_=4),
            call("eth_getTransactionReceipt", b17.receipts[5]["transactionHash"], id_=5),
            call("eth_getBlockByNumber", hex(20_000_000), True, id_=6),  # not revealed yet
            call("trace_block", "0x0", id_=7), call("trace_block", hex(b17.number), id_=8),
            call("eth_getCode", b17.receipts[0]["logs"][0]["address"], "latest", id_=9),
            call("no_such_method", id_=10)])
        assert isinstance(answers, list)
        by_id = {a["id"]: a for a in answers}
        assert by_id[0]["result"] == "0x1" and by_id[1]["result"] == hex(17_000_000)
        assert by_id[2]["result"]["transactions"] == [
            tx["hash"] for tx in b17.block["transactions"]]
        assert by_id[3]["result"] == b17.block
        assert by_id[4]["result"] == b17.receipts
        assert by_id[5]["result"] == b17.receipts[5]
        assert by_id[6]["result"] is None
        assert by_id[7]["result"] == []
        assert "no traces recorded" in by_id[8]["error"]["message"]
        assert by_id[9]["result"] != "0x"  # it emitted a log: a contract
        assert by_id[10]["error"]["code"] == -32601
        assert await node.reveal_async() == 20_000_000
        again = await post(node.http_url, call("eth_getBlockByNumber", hex(20_000_000), True))
        assert isinstance(again, dict) and again["result"]["hash"] == blocks[-1].hash


async def _subscribed(kind: str, chain: list[RecordedBlock], missing: frozenset[str] = frozenset()
                      ) -> tuple[Subscriber, list[int], list[Any], list[str], list[str]]:
    """Run the daemon's Subscriber against a recorded node behaving like ``kind`` while two
    blocks are revealed; what it saw: heads, full pending txs, pending hashes, modes."""
    profile = NodeProfile.like(kind)
    profile = replace(profile, missing=profile.missing | missing)
    heads: list[int] = []
    full: list[Any] = []
    hashes: list[str] = []
    modes: list[str] = []
    async with RecordedNode(chain, revealed=0, profile=profile) as node:
        subscriber = Subscriber([node.ws_url], on_head=lambda: heads.append(1),
                                on_pending=full.append, on_pending_hash=hashes.append,
                                on_mempool=modes.append)
        stop = asyncio.Event()
        task = asyncio.create_task(subscriber.run(stop))
        await asyncio.wait_for(asyncio.wait(
            [asyncio.ensure_future(subscriber.connected.wait()), task],
            return_when=asyncio.FIRST_COMPLETED), 10)
        await node.reveal_async(2)
        for _ in range(100):
            if len(heads) >= 2 or task.done():
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.1)
        stop.set()
        await asyncio.wait_for(task, 10)
    return subscriber, heads, full, hashes, modes


async def test_subscriber_per_node_profile(shared_data: Path) -> None:
    """newHeads always; pending as full txs (anvil), as hashes after a refused full
    subscription (hardhat) or despite asking for full ones (ganache); a node without any
    pending feed reports the mempool unavailable and still delivers heads."""
    chain = contiguous(real_rpc_blocks(shared_data)[1:3], 100)  # 2 + 126 transactions
    anvil = await _subscribed("anvil", chain)
    assert len(anvil[1]) == 2 and len(anvil[2]) == 128 and not anvil[3]
    assert anvil[0].mempool == "full"
    for kind in ("hardhat", "ganache"):
        subscriber, heads, full, hashes, modes = await _subscribed(kind, chain)
        assert len(heads) == 2 and not full, kind
        assert sorted(hashes) == sorted(tx["hash"] for b in chain
                                        for tx in b.block["transactions"]), kind
        assert subscriber.mempool == "hashes" and modes[-1] == "hashes", kind
    refused = replace(NodeProfile.like("anvil"), pending="none")
    async with RecordedNode(chain, revealed=0, profile=refused) as node:
        modes = []
        subscriber = Subscriber([node.ws_url], on_head=lambda: None, on_pending=full.append,
                                on_pending_hash=hashes.append, on_mempool=modes.append)
        stop = asyncio.Event()
        task = asyncio.create_task(subscriber.run(stop))
        await asyncio.wait_for(subscriber.connected.wait(), 10)
        assert subscriber.mempool == "unavailable" and modes == ["unavailable"]
        assert subscriber.capabilities["newHeads"] is True
        stop.set()
        await asyncio.wait_for(task, 10)


async def test_refused_new_heads_stops_subscribing(shared_data: Path) -> None:
    """A node that refuses eth_subscribe altogether: the subscriber says so once and
    stops (the follower polls), instead of reconnecting forever."""
    chain = real_rpc_blocks(shared_data)[:2]
    subscriber, _, _, _, modes = await _subscribed("anvil", chain,
                                                   frozenset({"eth_subscribe"}))
    assert subscriber.heads_refused and subscriber.reconnects == 0
    assert subscriber.capabilities["newHeads"] is False and modes[-1] == "unavailable"


async def test_every_real_block_indexes_exactly(shared_data: Path, pool: asyncpg.Pool) -> None:
    """Live fetch (follower path) and backfill (worker path) both store each recorded block
    exactly: blocks, transactions (types 0-3, pre-Byzantium receipts) and logs."""
    blocks = real_rpc_blocks(shared_data)
    await pool.execute("INSERT INTO chains (chain_id, name) VALUES (1, 'mainnet') "
                       "ON CONFLICT DO NOTHING")
    async with RecordedNode(blocks, revealed=len(blocks)) as node:
        rpc = RpcClient([node.http_url], max_rounds=1)
        indexer = BlockIndexer(rpc, pool, 1, source="node")
        try:
            for block in blocks[:3]:
                await indexer.index([block.number], cursor=None)
            for block in blocks[3:]:
                stats = await backfill(indexer, block.number, block.number, workers=0)
                assert stats.blocks == 1 and stats.decode_errors == 0
            with pytest.raises(RpcError, match="not found"):
                await indexer.fetch([17_000_001])
        finally:
            await rpc.close()
    async with pool.acquire() as conn:
        for block in blocks:
            await assert_stored(conn, 1, block)
        blob = next((tx, r) for b in blocks for tx, r in zip(b.block["transactions"],
                                                           b.receipts, strict=True)
                    if tx.get("type") == "0x3")
        row = await conn.fetchrow(
            "SELECT blob_versioned_hashes, max_fee_per_blob_gas, blob_gas_used, "
            "blob_gas_price, authorization_list FROM transactions WHERE hash = $1",
            blob[0]["hash"])
        assert tuple(row.values()) == (
            blob[0]["blobVersionedHashes"], int(blob[0]["maxFeePerBlobGas"], 16),
            int(blob[1]["blobGasUsed"], 16), int(blob[1]["blobGasPrice"], 16), None)


async def test_no_private_flags_when_the_mempool_is_unavailable(shared_data: Path,
                                                               pool: asyncpg.Pool) -> None:
    """A ws node that refuses every pending subscription: heads are followed, and no
    transaction is flagged private (there was no mempool to be seen in)."""
    chain = contiguous(real_rpc_blocks(shared_data)[1:], 300)
    profile = replace(NodeProfile.like("anvil"), pending="none")
    async with RecordedNode(chain, revealed=1, profile=profile) as node:
        settings = load_settings(None, **{"chain.rpc_urls": [node.ws_url], "chain.chain_id": 1,
                                          "chain.poll_interval_s": 0.2, "api.enabled": False})
        daemon = Daemon(settings, pool, start_block=300)
        task = asyncio.create_task(daemon.run())
        try:
            assert daemon.subscriber is not None
            await asyncio.wait_for(daemon.subscriber.connected.wait(), 10)
            await node.reveal_async(len(chain))
            for _ in range(200):
                if await pool.fetchval("SELECT block_number FROM cursors WHERE name = 'head'"
                                       ) == chain[-1].number:
                    break
                await asyncio.sleep(0.1)
            assert daemon.node_capabilities()["subscriptions"]["mempool"] == "unavailable"
        finally:
            daemon.stop.set()
            await asyncio.wait_for(task, 20)
    assert await pool.fetchval("SELECT count(*) FROM transactions") == sum(
        len(b.block["transactions"]) for b in chain)
    assert await pool.fetchval("SELECT count(*) FROM transactions WHERE private") == 0


async def test_follower_repairs_a_reorg_of_real_blocks(shared_data: Path,
                                                        pool: asyncpg.Pool) -> None:
    """The node switches to another branch two blocks deep: the follower finds the common
    ancestor, drops the orphaned blocks and their transactions, and stores the new ones."""
    real = real_rpc_blocks(shared_data)[1:]
    chain = contiguous(real, 500)  # 500..503
    branch = contiguous(real[::-1], 502, 3, parent_hash=chain[1].hash, salt="b")  # 502..504
    async with RecordedNode(chain, revealed=len(chain)) as node:
        rpc = RpcClient([node.http_url], max_rounds=1)
        follower = Follower(BlockIndexer(rpc, pool, 1), start_block=500)
        try:
            assert await follower.catch_up() == 4
            assert await node.reorg_async(branch) == 504
            await follower.catch_up()
        finally:
            await rpc.close()
    stored = {r["number"]: r["hash"] for r in await pool.fetch("SELECT number, hash FROM blocks")}
    assert stored == {b.number: b.hash for b in [*chain[:2], *branch]}
    async with pool.acquire() as conn:
        for block in [*chain[:2], *branch]:
            await assert_stored(conn, 1, block)
    orphaned = [tx["hash"] for b in chain[2:] for tx in b.block["transactions"]]
    assert await pool.fetchval("SELECT count(*) FROM transactions WHERE hash = ANY($1)",
                               orphaned) == 0


async def test_daemon_halts_at_start_when_traces_are_wanted_but_missing(
        shared_data: Path, pool: asyncpg.Pool) -> None:
    """fetch_traces on a node like ganache (no trace_block, no debug_traceBlockByNumber):
    the daemon stops at start with the reason (the CLI prints it as "daemon halted ..."),
    instead of failing every block."""
    blocks = real_rpc_blocks(shared_data)[:2]
    async with RecordedNode(blocks, revealed=2, profile=NodeProfile.like("ganache")) as node:
        settings = load_settings(None, **{"chain.rpc_urls": [node.ws_url], "chain.chain_id": 1,
                                          "chain.fetch_traces": True, "api.enabled": False})
        daemon = Daemon(settings, pool, start_block=0)
        with pytest.raises(ExceptionGroup) as raised:
            await asyncio.wait_for(daemon.run(), 20)
    halted = raised.value.exceptions[0]
    assert isinstance(halted, DaemonHalted)
    assert "neither trace_block nor debug_traceBlockByNumber" in str(halted)
    assert await pool.fetchval("SELECT count(*) FROM blocks") == 0
