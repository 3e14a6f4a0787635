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

from hafeniq_chain.config import load_settings
from hafeniq_chain.daemon import Daemon
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


@pytest.mark.parametrize("kind", ["anvil", "hardhat", "ganache"])
async def test_daemon_follows_node(kind: str, pool: asyncpg.Pool) -> None:
    chain_id = CHAIN_IDS[kind]
    with dev_node(kind) as node:
        w3 = Web3(Web3.HTTPProvider(node.http_url))
        settings = load_settings(None, **{
            "chain.rpc_urls": [node.ws_url], "chain.chain_id": chain_id,
            "chain.poll_interval_s": 0.2, "api.enabled": False})
        daemon = Daemon(settings, pool, start_block=0)
        task = asyncio.create_task(daemon.run())
        try:
            assert daemon.subscriber is not None
            await asyncio.wait_for(daemon.subscriber.connected.wait(), 15)
            await asyncio.to_thread(traffic, w3)
            head = w3.eth.block_number

            async def indexed() -> bool:
                at = await pool.fetchval("SELECT block_number FROM cursors WHERE name = 'head'")
                return at is not None and at >= head
            await _wait(indexed, 20, f"block {head} on {kind}")
            caps = daemon.node_capabilities()
        finally:
            daemon.stop.set()
            await asyncio.wait_for(task, 20)
        expected_blocks = [w3.eth.get_block(n, full_transactions=True) for n in range(head + 1)]
        receipts = {tx["hash"].to_0x_hex(): w3.eth.get_transaction_receipt(tx["hash"])
                    for b in expected_blocks for tx in b["transactions"]}
    assert caps["chain_id"] == chain_id
    assert caps["block_receipts"] == EXPECTED[kind]["block_receipts"]
    assert caps["subscriptions"]["newHeads"] is True
    assert caps["subscriptions"]["mempool"] in EXPECTED[kind]["mempool"]
    blocks = {r["number"]: r["hash"] for r in await pool.fetch("SELECT number, hash FROM blocks")}
    assert blocks == {b["number"]: b["hash"].to_0x_hex() for b in expected_blocks}
    txs = {r["hash"]: (r["status"], r["gas_used"]) for r in await pool.fetch(
        "SELECT hash, status, gas_used FROM transactions")}
    assert txs == {h: (r["status"], r["gasUsed"]) for h, r in receipts.items()}
    assert await pool.fetchval("SELECT count(*) FROM logs") == sum(
        len(r["logs"]) for r in receipts.values())
    assert await pool.fetchval("SELECT count(*) FROM logs WHERE event_name = 'Deposit'") == 3
