"""Issue 18.5: on Anvil automine a transaction is pending for microseconds; its pending
sighting and its block arrive together. Public transactions must not be flagged private
because the sighting was still in the 50 ms buffer, and every sighting must be linked to
its block, whichever of the two was written first. A real daemon (in-process) on a real
automining Anvil over ws, real PostgreSQL."""

from __future__ import annotations

import asyncio

import asyncpg
from web3 import Web3

from hafeniq_chain.chain.anvil import AnvilNode, AnvilOptions
from hafeniq_chain.chain.follower import Follower
from hafeniq_chain.chain.indexer import BlockIndexer
from hafeniq_chain.chain.mempool import PendingStore, pending_from_rpc
from hafeniq_chain.chain.rpc import RpcClient
from hafeniq_chain.config import load_settings
from hafeniq_chain.daemon import Daemon


async def test_automine_public_transactions_are_not_private(anvil: AnvilNode,
                                                            pool: asyncpg.Pool) -> None:
    settings = load_settings(None, **{"chain.rpc_urls": [anvil.ws_url],
                                      "chain.poll_interval_s": 0.2, "api.enabled": False})
    daemon = Daemon(settings, pool, start_block=0)
    task = asyncio.create_task(daemon.run())
    try:
        assert daemon.subscriber is not None
        await asyncio.wait_for(daemon.subscriber.connected.wait(), 20)
        w3 = Web3(Web3.HTTPProvider(anvil.http_url))
        a = w3.eth.accounts
        sent = []
        for i in range(21):  # one block each (automine), a little apart like a user's
            sent.append(w3.eth.send_transaction(
                {"from": a[i % 5], "to": a[5 + i % 5], "value": 1 + i}).to_0x_hex())
            await asyncio.sleep(0.05)
        head = w3.eth.block_number
        for _ in range(200):
            if await pool.fetchval("SELECT block_number FROM cursors WHERE name = 'head'") == head:
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(0.3)  # the buffer's late sightings, if any, have been written
        rows = {r["hash"]: r for r in await pool.fetch(
            "SELECT t.hash, t.private, t.mempool_delay_ms, p.included_block, t.block_number "
            "FROM transactions t LEFT JOIN pending_transactions p USING (chain_id, hash)")}
    finally:
        daemon.stop.set()
        await asyncio.wait_for(task, 30)
    assert set(sent) <= set(rows)
    flagged = [h for h in sent if rows[h]["private"]]
    assert flagged == [], f"{len(flagged)} of {len(sent)} public transactions flagged private"
    unlinked = [h for h in sent if rows[h]["included_block"] != rows[h]["block_number"]]
    assert unlinked == [], f"{len(unlinked)} pending sightings never linked"
    assert all(rows[h]["mempool_delay_ms"] is not None for h in sent)


async def test_sighting_written_after_its_block_is_linked_and_unflags(
        pool: asyncpg.Pool) -> None:
    """The ordering automine produces, made deterministic: the block is stored (and judged)
    while the sighting is still buffered; writing the sighting then links and un-flags."""
    with AnvilNode(AnvilOptions(no_mining=True)) as node:
        w3 = Web3(Web3.HTTPProvider(node.http_url))
        a = w3.eth.accounts
        tx_hash = w3.eth.send_transaction({"from": a[0], "to": a[1], "value": 7}).to_0x_hex()
        pending = dict(w3.eth.get_transaction(tx_hash))
        store = PendingStore(pool, 31337)
        store.offer(pending_from_rpc(pending))  # seen pending, not yet written
        w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
        follower = Follower(BlockIndexer(RpcClient([node.http_url]), pool, 31337),
                            start_block=0, mempool_active=True)
        try:
            await follower.catch_up()
        finally:
            await follower.indexer.rpc.close()
        assert await pool.fetchval("SELECT private FROM transactions WHERE hash = $1", tx_hash)
        assert await store.flush() == 1
        row = await pool.fetchrow(
            "SELECT t.private, t.mempool_delay_ms, p.included_block FROM transactions t "
            "JOIN pending_transactions p USING (chain_id, hash) WHERE hash = $1", tx_hash)
        assert row["private"] is False and row["included_block"] == 1
        assert row["mempool_delay_ms"] is not None
