"""The demo story: real Postgres, real Anvil, real transactions indexed, a status table."""

from __future__ import annotations

import time

from rich.table import Table
from web3 import AsyncHTTPProvider, AsyncWeb3

from hafeniq_chain.chain.anvil import AnvilNode, AnvilOptions
from hafeniq_chain.chain.follower import Follower
from hafeniq_chain.chain.indexer import BlockIndexer
from hafeniq_chain.chain.rpc import RpcClient
from hafeniq_chain.config import Settings
from hafeniq_chain.log import get_logger
from hafeniq_chain.store.database import open_database

log = get_logger(__name__)

DEMO_BLOCKS = 5


async def _mine_activity(url: str, blocks: int) -> int:
    """Send native transfers between Anvil's funded accounts, one block each."""
    w3 = AsyncWeb3(AsyncHTTPProvider(url))
    accounts = await w3.eth.accounts
    for i in range(blocks):
        await w3.eth.send_transaction(
            {"from": accounts[i % len(accounts)], "to": accounts[(i + 1) % len(accounts)],
             "value": w3.to_wei(1 + i, "ether")}
        )
    head: int = await w3.eth.block_number
    return head


async def run_demo(settings: Settings) -> Table:
    """Run the demo end to end and return the status table to print."""
    started = time.monotonic()
    table = Table(title="hafeniq-chain demo", show_header=True)
    table.add_column("step")
    table.add_column("result")
    async with open_database(settings.store) as pool:
        version = await pool.fetchval("SELECT max(version) FROM schema_migrations")
        table.add_row("PostgreSQL", await pool.fetchval("SHOW server_version"))
        table.add_row("schema version", str(version))
        with AnvilNode(AnvilOptions(chain_id=settings.chain.chain_id)) as anvil:
            head = await _mine_activity(anvil.http_url, DEMO_BLOCKS)
            table.add_row("Anvil", f"{anvil.http_url}, head block {head}")
            log.info("demo.activity_mined", head=head)
            rpc = RpcClient([anvil.http_url])
            try:
                indexer = BlockIndexer(rpc, pool, settings.chain.chain_id)
                indexed = await Follower(indexer, start_block=0).catch_up()
            finally:
                await rpc.close()
            counts = await pool.fetchrow(
                "SELECT (SELECT count(*) FROM blocks) b, (SELECT count(*) FROM transactions) t,"
                " (SELECT count(*) FROM edges) e, (SELECT count(*) FROM entities) n")
            assert counts is not None
            table.add_row("indexed", f"{indexed} blocks, {counts['t']} transactions, "
                                     f"{counts['e']} edges, {counts['n']} entities")
    table.add_row("elapsed", f"{time.monotonic() - started:.1f} s")
    return table
