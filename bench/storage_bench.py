"""Bytes per transaction on disk after indexing a busy chain, next to the 2 KB goal.

The chain is ``bench/chain_builder``'s (150 transactions a block, mainnet's order of
magnitude: two thirds WETH transfers with one log, one third Uniswap V2 swaps with four),
backfilled into a fresh embedded PostgreSQL with the default indexes, then vacuumed so
the figure is what the rows and indexes occupy, not dead tuples. Printed: the whole
database per transaction, the largest tables (partitions summed into their parent), and
what the investigation indexes README lists would add. ``python -m bench.storage_bench
[BLOCKS]`` runs it alone.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

from bench.chain_builder import build_chain
from hafeniq_chain.chain.anvil import AnvilNode, AnvilOptions
from hafeniq_chain.chain.backfill import backfill
from hafeniq_chain.chain.indexer import BlockIndexer
from hafeniq_chain.chain.rpc import RpcClient
from hafeniq_chain.store.database import create_pool
from hafeniq_chain.store.embedded import EmbeddedPostgres
from hafeniq_chain.store.migrator import migrate

BLOCKS, TXS_PER_BLOCK = 100, 150
GOAL_BYTES_PER_TX = 2048
NODE = AnvilOptions(accounts=100, balance_eth=1_000_000, gas_limit=60_000_000)

# Per table (partitions summed into their parent): heap + TOAST + indexes.
_SIZES = """
SELECT coalesce(parent.relname, c.relname) AS name, sum(pg_total_relation_size(c.oid))::bigint,
       sum(pg_indexes_size(c.oid))::bigint AS indexes
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_inherits i ON i.inhrelid = c.oid
LEFT JOIN pg_class parent ON parent.oid = i.inhparent
WHERE n.nspname = 'public' AND c.relkind = 'r'
GROUP BY 1 ORDER BY 2 DESC"""

INVESTIGATION_INDEXES = [
    "CREATE INDEX IF NOT EXISTS transactions_hash ON transactions (chain_id, hash)",
    "CREATE INDEX IF NOT EXISTS logs_address_topic ON logs "
    "(chain_id, address, topic0, block_number)",
    "CREATE INDEX IF NOT EXISTS transactions_from ON transactions "
    "(chain_id, from_addr, block_number)",
    "CREATE INDEX IF NOT EXISTS transactions_to_selector ON transactions "
    "(chain_id, to_addr, selector, block_number)",
    "CREATE INDEX IF NOT EXISTS logs_tx ON logs (chain_id, tx_hash)",
    "CREATE INDEX IF NOT EXISTS calls_to_selector ON calls "
    "(chain_id, to_addr, selector, block_number)",
    "CREATE INDEX IF NOT EXISTS swaps_pool ON swaps (chain_id, pool, block_number)",
]


async def _measure(url: str, first: int, last: int) -> list[tuple[str, str]]:
    with tempfile.TemporaryDirectory() as tmp:
        server = EmbeddedPostgres(Path(tmp))
        pool = await create_pool(server.start(), max_size=4)
        try:
            await migrate(pool)
            rpc = RpcClient([url])
            await backfill(BlockIndexer(rpc, pool, chain_id=31337, source="backfill"),
                           first, last, concurrency=4, workers=1)
            await rpc.close()
            await pool.execute("VACUUM ANALYZE")
            txs: int = await pool.fetchval("SELECT count(*) FROM transactions")
            logs: int = await pool.fetchval("SELECT count(*) FROM logs")
            sizes = [(r["name"], r["sum"], r["indexes"]) for r in await pool.fetch(_SIZES)]
            total = sum(b for _, b, _ in sizes)
            for sql in INVESTIGATION_INDEXES:
                await pool.execute(sql)
            extra = sum(r["sum"] for r in await pool.fetch(_SIZES)) - total
        finally:
            await pool.close()
            server.stop()
    rows = [("transactions indexed", f"{txs} ({logs / max(txs, 1):.2f} logs/tx)"),
            ("bytes per transaction, whole database",
             f"{total / txs:.0f} (goal <= {GOAL_BYTES_PER_TX})")]
    rows += [(f"  {name} bytes/tx (of which indexes)", f"{size / txs:.0f} ({ix / txs:.0f})")
             for name, size, ix in sizes[:6]]
    rows.append(("+ investigation indexes (README) bytes/tx", f"{extra / txs:.0f}"))
    return rows


def run(blocks: int = BLOCKS) -> list[tuple[str, str]]:
    with AnvilNode(NODE) as node:
        chain = build_chain(node.http_url, blocks, TXS_PER_BLOCK)
        return asyncio.run(_measure(node.http_url, chain.first_block, chain.last_block))


if __name__ == "__main__":
    for name, value in run(int(sys.argv[1]) if len(sys.argv) > 1 else BLOCKS):
        print(f"{name:44} {value}")
