"""Backfill throughput, end to end from a local Anvil into PostgreSQL, vs ethereum-etl.

The chain (2,000 blocks, ~100 txs and ~200 logs each, ~8 minutes to generate at Anvil's
~400 tx/s) is built on a fresh Anvil and measured on that same node: a state dump of it
is over 1 GB, slower to load than to rebuild. ethereum-etl exports the same range from
the same node (blocks, transactions, receipts and logs to CSV) from its own virtualenv
(bench/.etl-venv, created here on first use), and cryo (blocks, transactions and logs to
parquet, bench/.cryo-venv). Against a node that costs nothing to serve, see
``recorded_backfill_bench``.

Besides wall-clock rates, CPU seconds per 1,000 blocks are printed for each side and for
Anvil serving it: on a shared machine they say more about the real cost than the wall
clock. ``python -m bench.backfill_bench [BLOCKS]`` runs this benchmark alone.
"""

from __future__ import annotations

import asyncio
import csv
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.chain_builder import build_chain
from bench.cryo_export import cryo_export
from hafeniq_chain.chain.anvil import AnvilNode, AnvilOptions
from hafeniq_chain.chain.backfill import BackfillStats, backfill
from hafeniq_chain.chain.indexer import BlockIndexer
from hafeniq_chain.chain.rpc import RpcClient
from hafeniq_chain.store.database import create_pool
from hafeniq_chain.store.embedded import EmbeddedPostgres
from hafeniq_chain.store.migrator import migrate

BLOCKS = 2000
CONCURRENCY, WORKERS = 8, 2
RPC_TIMEOUT_S = 120
_TICKS = os.sysconf("SC_CLK_TCK")
ETL_VENV = Path(__file__).resolve().parent / ".etl-venv"
# NOTE: --prune-history: blocks and receipts are all this reads; without it Anvil spills
# ~0.8 GB of historical states per run into ~/.foundry/anvil/tmp and leaves them there.
NODE = AnvilOptions(accounts=100, balance_eth=1_000_000, gas_limit=60_000_000,
                    extra_args=["--prune-history"])


def _ensure_etl() -> Path:
    exe = ETL_VENV / "bin" / "ethereumetl"
    if not exe.exists():
        pip = [str(ETL_VENV / "bin" / "pip"), "install", "-q"]
        subprocess.run([sys.executable, "-m", "venv", str(ETL_VENV)], check=True)
        subprocess.run([*pip, "ethereum-etl==2.4.2"], check=True)
        # NOTE: eth-abi 2 pins parsimonious<0.9, which breaks on Python 3.11; 0.9.0 works.
        subprocess.run([*pip, "--no-deps", "parsimonious==0.9.0", "regex"], check=True)
    return exe


def _cpu_s(pid: int) -> float:
    """CPU seconds of a process and of its children that have exited (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(f) for f in fields[11:15]) / _TICKS


def _postgres_cpu_s(pgdata: Path) -> float:
    """The embedded server's CPU: the postmaster, its exited and its live backends."""
    postmaster = int((pgdata / "postmaster.pid").read_text().split()[0])
    total = _cpu_s(postmaster)
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):  # the process has just exited
            continue
        if int(fields[1]) == postmaster:
            total += (int(fields[11]) + int(fields[12])) / _TICKS
    return total


def _own_cpu_s() -> float:
    """This process plus the worker processes it has joined."""
    usage = [resource.getrusage(who) for who in (resource.RUSAGE_SELF,
                                                 resource.RUSAGE_CHILDREN)]
    return sum(u.ru_utime + u.ru_stime for u in usage)


async def _ours(url: str, first: int, last: int) -> tuple[BackfillStats, float, float, float]:
    """Backfill into a fresh embedded PostgreSQL: stats, seconds, our CPU, Postgres CPU."""
    with tempfile.TemporaryDirectory() as tmp:
        server = EmbeddedPostgres(Path(tmp))
        pool = await create_pool(server.start(), max_size=8)
        try:
            await migrate(pool)
            # NOTE: with 8 batches of up to 100 busy blocks in flight, a loaded Anvil served
            # the last in line after the 10 s default read timeout; each retry made it serve
            # the batch again (Anvil CPU per 1,000 blocks doubled, measured).
            rpc = RpcClient([url], timeout_s=RPC_TIMEOUT_S)
            indexer = BlockIndexer(rpc, pool, chain_id=31337, source="backfill")
            cpu, pg_cpu = _own_cpu_s(), _postgres_cpu_s(Path(tmp) / "pgdata")
            started = time.perf_counter()
            stats = await backfill(indexer, first, last, concurrency=CONCURRENCY,
                                   workers=WORKERS)
            elapsed = time.perf_counter() - started
            cpu, pg_cpu = (_own_cpu_s() - cpu,
                           _postgres_cpu_s(Path(tmp) / "pgdata") - pg_cpu)
            await rpc.close()
        finally:
            await pool.close()
            server.stop()
    return stats, elapsed, cpu, pg_cpu


def _etl(url: str, first: int, last: int) -> tuple[float, int, float]:
    """ethereum-etl's export of the range: seconds, logs, its CPU seconds."""
    exe = _ensure_etl()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        cpu = _own_cpu_s()
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
        cpu = _own_cpu_s() - cpu
        with (out / "logs.csv").open() as f:
            logs = sum(1 for _ in csv.DictReader(f))
    return elapsed, logs, cpu


def run(blocks: int = BLOCKS) -> list[tuple[str, str]]:
    with AnvilNode(NODE) as node:
        assert node.process is not None
        built = build_chain(node.http_url, blocks)
        first, last = built.first_block, built.last_block
        span = last - first + 1
        anvil_cpu = _cpu_s(node.process.pid)
        stats, ours_s, ours_cpu, pg_cpu = asyncio.run(_ours(node.http_url, first, last))
        anvil_ours, anvil_cpu = _cpu_s(node.process.pid) - anvil_cpu, _cpu_s(node.process.pid)
        etl_s, etl_logs, etl_cpu = _etl(node.http_url, first, last)
        anvil_etl, anvil_cpu = _cpu_s(node.process.pid) - anvil_cpu, _cpu_s(node.process.pid)
        cryo_s, cryo_cpu = cryo_export(node.http_url, first, last)
        anvil_cryo = _cpu_s(node.process.pid) - anvil_cpu
    ours_bps, etl_bps = span / ours_s, span / etl_s
    per_k = 1000 / span
    return [
        ("chain", f"{span} blocks, {stats.transactions} txs, {stats.logs} logs "
                  f"(generated in {built.seconds:.0f} s)"),
        ("hafeniq backfill (Anvil -> PostgreSQL)", f"{ours_bps:.0f} blocks/s, "
         f"{stats.decoded_logs / ours_s:,.0f} decoded logs/s ({ours_s:.1f} s, "
         f"{CONCURRENCY} in flight, {WORKERS} decode workers, {stats.rpc_errors} RPC errors)"),
        ("ethereum-etl export (Anvil -> CSV)", f"{etl_bps:.0f} blocks/s, "
         f"{etl_logs / etl_s:,.0f} logs/s ({etl_s:.1f} s)"),
        ("ratio hafeniq / ethereum-etl", f"{ours_bps / etl_bps:.2f}x"),
        ("CPU s per 1,000 blocks, hafeniq", f"{ours_cpu * per_k:.1f} Python + "
         f"{pg_cpu * per_k:.1f} PostgreSQL + {anvil_ours * per_k:.1f} Anvil serving"),
        ("CPU s per 1,000 blocks, ethereum-etl", f"{etl_cpu * per_k:.1f} Python + "
         f"{anvil_etl * per_k:.1f} Anvil serving"),
        ("cryo export (Anvil -> parquet)", f"{span / cryo_s:.0f} blocks/s ({cryo_s:.1f} s); "
         f"CPU s per 1,000 blocks {cryo_cpu * per_k:.1f} cryo + {anvil_cryo * per_k:.1f} Anvil "
         "serving"),
    ]


if __name__ == "__main__":
    for figure, value in run(int(sys.argv[1]) if len(sys.argv) > 1 else BLOCKS):
        print(f"{figure}: {value}")
