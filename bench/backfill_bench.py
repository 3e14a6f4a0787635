"""Backfill throughput, end to end from a local Anvil into PostgreSQL, vs ethereum-etl.

The chain (2,000 blocks, ~100 txs and ~200 logs each, ~9 minutes to generate at Anvil's
~400 tx/s) is built on a fresh Anvil and measured on that same node: a state dump of it
is over 1 GB, slower to load than to rebuild. ethereum-etl exports the same range from
the same node (blocks, transactions, receipts and logs to CSV) from its own virtualenv
(bench/.etl-venv, created here on first use).
"""

from __future__ import annotations

import asyncio
import csv
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.chain_builder import build_chain
from hafeniq_chain.chain.anvil import AnvilNode, AnvilOptions
from hafeniq_chain.chain.backfill import BackfillStats, backfill
from hafeniq_chain.chain.indexer import BlockIndexer
from hafeniq_chain.chain.rpc import RpcClient
from hafeniq_chain.store.database import create_pool
from hafeniq_chain.store.embedded import EmbeddedPostgres
from hafeniq_chain.store.migrator import migrate

BLOCKS = 2000
ETL_VENV = Path(__file__).resolve().parent / ".etl-venv"
NODE = AnvilOptions(accounts=100, balance_eth=1_000_000, gas_limit=60_000_000)


def _ensure_etl() -> Path:
    exe = ETL_VENV / "bin" / "ethereumetl"
    if not exe.exists():
        pip = [str(ETL_VENV / "bin" / "pip"), "install", "-q"]
        subprocess.run([sys.executable, "-m", "venv", str(ETL_VENV)], check=True)
        subprocess.run([*pip, "ethereum-etl==2.4.2"], check=True)
        # NOTE: eth-abi 2 pins parsimonious<0.9, which breaks on Python 3.11; 0.9.0 works.
        subprocess.run([*pip, "--no-deps", "parsimonious==0.9.0", "regex"], check=True)
    return exe


async def _ours(url: str, first: int, last: int) -> tuple[BackfillStats, float]:
    with tempfile.TemporaryDirectory() as tmp:
        server = EmbeddedPostgres(Path(tmp))
        pool = await create_pool(server.start(), max_size=8)
        try:
            await migrate(pool)
            rpc = RpcClient([url])
            indexer = BlockIndexer(rpc, pool, chain_id=31337, source="backfill")
            started = time.perf_counter()
            stats = await backfill(indexer, first, last, concurrency=4)
            elapsed = time.perf_counter() - started
            await rpc.close()
        finally:
            await pool.close()
            server.stop()
    return stats, elapsed


def _etl(url: str, first: int, last: int) -> tuple[float, int]:
    exe = _ensure_etl()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        started = time.perf_counter()
        subprocess.run([str(exe), "export_blocks_and_transactions", "-s", str(first), "-e",
                        str(last), "-b", "100", "-w", "4", "-p", url,
                        "--blocks-output", str(out / "blocks.csv"),
                        "--transactions-output", str(out / "txs.csv")],
                       check=True, capture_output=True)
        with (out / "txs.csv").open() as f:
            hashes = [row["hash"] for row in csv.DictReader(f)]
        (out / "hashes.txt").write_text("\n".join(hashes) + "\n")
        subprocess.run([str(exe), "export_receipts_and_logs", "-t", str(out / "hashes.txt"),
                        "-b", "100", "-w", "4", "-p", url,
                        "--receipts-output", str(out / "receipts.csv"),
                        "--logs-output", str(out / "logs.csv")],
                       check=True, capture_output=True)
        elapsed = time.perf_counter() - started
        with (out / "logs.csv").open() as f:
            logs = sum(1 for _ in csv.DictReader(f))
    return elapsed, logs


def run() -> list[tuple[str, str]]:
    with AnvilNode(NODE) as node:
        built = build_chain(node.http_url, BLOCKS)
        first, last = built.first_block, built.last_block
        blocks = last - first + 1
        stats, ours_s = asyncio.run(_ours(node.http_url, first, last))
        etl_s, etl_logs = _etl(node.http_url, first, last)
    ours_bps, etl_bps = blocks / ours_s, blocks / etl_s
    return [
        ("chain", f"{blocks} blocks, {stats.transactions} txs, {stats.logs} logs "
                  f"(generated in {built.seconds:.0f} s)"),
        ("hafeniq backfill (Anvil -> PostgreSQL)", f"{ours_bps:.0f} blocks/s, "
         f"{stats.decoded_logs / ours_s:,.0f} decoded logs/s ({ours_s:.1f} s)"),
        ("ethereum-etl export (Anvil -> CSV)", f"{etl_bps:.0f} blocks/s, "
         f"{etl_logs / etl_s:,.0f} logs/s ({etl_s:.1f} s)"),
        ("ratio hafeniq / ethereum-etl", f"{ours_bps / etl_bps:.2f}x"),
    ]
