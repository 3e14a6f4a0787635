"""The daemon on Anvil, Hardhat 2 and ganache: every block, transaction, receipt and log
stored, whatever the node lacks (block receipts, traces, full pending transactions).

Each node runs the same traffic (a WETH9 deployment, deposits, a withdrawal with an
internal ETH transfer, plain transfers) while the daemon follows it over ws; the stored
rows must equal the node's own answers, and the capabilities the daemon reports must be
the node's real ones.
"""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import pytest
from web3 import Web3

from hafeniq_chain.chain.capabilities import probe
from hafeniq_chain.chain.rpc import RpcClient
from hafeniq_chain.chain.trace_source import TracesUnavailable
from hafeniq_chain.config import load_settings
from hafeniq_chain.daemon import Daemon
from hafeniq_chain.store.database import create_pool
from hafeniq_chain.store.migrator import migrate
from tests.conftest import fresh_database
from tests.support.contracts import deploy
from tests.support.dev_nodes import CHAIN_IDS, dev_node

pytestmark = pytest.mark.timeout(60)

# What each node really does (checked against the npm packages pinned in the Makefile).
EXPECTED = {
    "anvil": {"block_receipts": "eth_getBlockReceipts", "mempool": {"full"}},
    "hardhat": {"block_receipts": "per-transaction", "mempool": {"hashes"}},
    "ganache": {"block_receipts": "per-transaction", "mempool": {"hashes", "full"}},
}


def traffic(w3: Web3) -> None:
    accounts = w3.eth.accounts
    weth = deploy(w3, "WETH9")
    for i in range(3):
        weth.functions.deposit().transact({"from": accounts[i], "value": 10**18 + i})
    weth.functions.withdraw(5 * 10**17).transact({"from": accounts[0]})
    weth.functions.transfer(accounts[4], 7).transact({"from": accounts[1]})
    for i in range(3):
        w3.eth.send_transaction({"from": accounts[i], "to": accounts[5], "value": 1 + i})


async def _wait(predicate: Any, within_s: float, what: str) -> None:
    for _ in range(int(within_s / 0.1)):
        if await predicate():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


async def _follow(url: str, chain_id: int, pool: asyncpg.Pool, head: int | None,
                  w3: Web3, fetch_traces: bool = False) -> tuple[dict[str, Any], int]:
    """Run the daemon on ``url`` (sending the traffic once it is subscribed when ``head``
    is None) until the head is stored; its capabilities and the head."""
    settings = load_settings(None, **{
        "chain.rpc_urls": [url], "chain.chain_id": chain_id,
        "chain.poll_interval_s": 0.2, "api.enabled": False, "chain.fetch_traces": fetch_traces})
    daemon = Daemon(settings, pool, start_block=0)
    task = asyncio.create_task(daemon.run())
    try:
        if head is None:
            assert daemon.subscriber is not None
            await asyncio.wait_for(daemon.subscriber.connected.wait(), 15)
            await asyncio.to_thread(traffic, w3)
            head = w3.eth.block_number

        async def indexed() -> bool:
            at = await pool.fetchval("SELECT block_number FROM cursors WHERE name = 'head'")
            return at is not None and at >= head
        await _wait(indexed, 20, f"block {head} from {url}")
        for _ in range(50):  # the capabilities probe runs beside the follower
            if daemon.capabilities.chain_id is not None:
                break
            await asyncio.sleep(0.1)
        return daemon.node_capabilities(), head
    finally:
        daemon.stop.set()
        await asyncio.wait_for(task, 20)


async def _assert_copy(pool: asyncpg.Pool, blocks: list[Any], receipts: dict[str, Any]
                       ) -> None:
    stored = {r["number"]: r["hash"] for r in await pool.fetch("SELECT number, hash FROM blocks")}
    assert stored == {b["number"]: b["hash"].to_0x_hex() for b in blocks}
    txs = {r["hash"]: (r["status"], r["gas_used"]) for r in await pool.fetch(
        "SELECT hash, status, gas_used FROM transactions")}
    assert txs == {h: (r["status"], r["gasUsed"]) for h, r in receipts.items()}
    assert await pool.fetchval("SELECT count(*) FROM logs") == sum(
        len(r["logs"]) for r in receipts.values())
    assert await pool.fetchval("SELECT count(*) FROM logs WHERE event_name = 'Deposit'") == 3


@pytest.mark.parametrize("kind", ["anvil", "hardhat", "ganache"])
async def test_daemon_follows_node(kind: str, pool: asyncpg.Pool, pg_server: str) -> None:
    """Over ws (subscriptions, mempool) and then over http alone (polling, no mempool)."""
    chain_id = CHAIN_IDS[kind]
    with dev_node(kind) as node:
        w3 = Web3(Web3.HTTPProvider(node.http_url))
        rpc = RpcClient([node.http_url])
        try:
            if kind == "anvil":
                assert (await probe(rpc, fetch_traces=True)).traces == "trace_block"
            else:  # the daemon would stop at start with this, not fail block after block
                with pytest.raises(TracesUnavailable):
                    await probe(rpc, fetch_traces=True)
        finally:
            await rpc.close()
        caps, head = await _follow(node.ws_url, chain_id, pool, None, w3)
        blocks = [w3.eth.get_block(n, full_transactions=True) for n in range(head + 1)]
        receipts = {tx["hash"].to_0x_hex(): w3.eth.get_transaction_receipt(tx["hash"])
                    for b in blocks for tx in b["transactions"]}
        async with fresh_database(pg_server) as dsn:
            http_pool = await create_pool(dsn, min_size=1, max_size=5)
            try:
                await migrate(http_pool)
                # traces where the node has them (Anvil): internal calls stored
                http_caps, _ = await _follow(node.http_url, chain_id, http_pool, head, w3,
                                             fetch_traces=kind == "anvil")
                await _assert_copy(http_pool, blocks, receipts)
                internal = await http_pool.fetchval(
                    "SELECT count(*) FROM calls WHERE trace_address <> ''")
                assert (internal > 0) is (kind == "anvil")
                assert await http_pool.fetchval(
                    "SELECT count(*) FROM transactions WHERE private") == 0
            finally:
                await http_pool.close()
    for found in (caps, http_caps):
        assert found["chain_id"] == chain_id
        assert found["block_receipts"] == EXPECTED[kind]["block_receipts"]
    assert caps["subscriptions"]["newHeads"] is True
    assert caps["subscriptions"]["mempool"] in EXPECTED[kind]["mempool"]
    assert http_caps["subscriptions"]["newHeads"] is False
    assert http_caps["subscriptions"]["mempool"] == "unavailable"
    await _assert_copy(pool, blocks, receipts)
    # every transaction was seen pending (full or looked up by hash) before or after
    # its block: the pending feed worked on each node
    seen = await pool.fetchval("SELECT count(*) FROM pending_transactions")
    assert seen >= len(receipts) - 1, (seen, len(receipts))
