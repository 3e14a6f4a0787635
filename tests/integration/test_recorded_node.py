"""The recorded node answers like a node, and real mainnet blocks index through it.

Every block of ``../shared/data/real-rpc`` is fetched through the real RPC client and
backfill from the recorded node and compared, row by row, with the raw JSON.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from pathlib import Path

import aiohttp
import asyncpg
import orjson
import pytest
from web3 import AsyncWeb3, WebSocketProvider

from hafeniq_chain.chain.backfill import backfill
from hafeniq_chain.chain.indexer import BlockIndexer
from hafeniq_chain.chain.recorded_blocks import contiguous
from hafeniq_chain.chain.recorded_node import NodeProfile, RecordedNode
from hafeniq_chain.chain.rpc import RpcClient, RpcError
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


async def test_subscriptions_follow_reveals_per_profile(shared_data: Path) -> None:
    """newHeads for every revealed block; pending as full txs or hashes as the profile says;
    Hardhat's refusal of the full-transaction flag leaves newHeads working."""
    chain = contiguous(real_rpc_blocks(shared_data)[1:3], 100)  # 2 + 126 transactions
    for kind, wanted in (("anvil", Mapping), ("ganache", bytes), ("hardhat", bytes)):
        async with RecordedNode(chain, revealed=0, profile=NodeProfile.like(kind)) as node, \
                AsyncWeb3(WebSocketProvider(node.ws_url)) as w3:
            heads = await w3.eth.subscribe("newHeads")
            try:
                await w3.eth.subscribe("newPendingTransactions", True)
                assert kind != "hardhat"
            except Exception:  # web3's error type varies by version
                assert kind == "hardhat"
                await w3.eth.subscribe("newPendingTransactions")
            await node.reveal_async(2)
            seen_heads, pending = [], []
            async with asyncio.timeout(10):
                async for message in w3.socket.process_subscriptions():
                    if message["subscription"] == heads:
                        seen_heads.append(int(message["result"]["number"]))
                    else:
                        pending.append(message["result"])
                    if len(seen_heads) == 2:
                        break
            assert seen_heads == [100, 101]
            assert len(pending) == 128
            assert all(isinstance(p, wanted) for p in pending), kind


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
