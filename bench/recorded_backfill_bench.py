"""Backfill against a node that costs nothing: ours, ethereum-etl and cryo side by side.

Against Anvil every client is bound by Anvil's own cost of serving (~20 CPU-s per 1,000
busy blocks), so the clients' own costs hide. Here the node is the recorded-RPC node
(``hafeniq_chain.chain.recorded_node``, in its own process, every answer serialised once at
start): real mainnet blocks (the busy recordings in ``../shared/data/real-rpc``, ~120
transactions and ~250 logs each) repeated into a contiguous chain of ``BLOCKS`` blocks,
re-numbered and re-hashed. In one run, over the same chain:

- our backfill into a fresh embedded PostgreSQL (decode workers, COPY, one transaction per
  batch with its cursor);
- ethereum-etl exporting blocks, transactions, receipts and logs to CSV (bench/.etl-venv);
- cryo (PyPI ``cryo``, a self-contained Rust wheel, in its own bench/.cryo-venv) exporting
  blocks, transactions and logs to parquet.

Each row gives blocks/s and CPU seconds per 1,000 blocks (the client, PostgreSQL for ours,
and the node serving it). Goals (issue 19): ours >= 3x ethereum-etl's rate; our CPU
(Python + PostgreSQL) <= half of ethereum-etl's. ``python -m bench.recorded_backfill_bench
[BLOCKS]`` runs it alone.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import tempfile
from pathlib import Path

import orjson

from bench.backfill_bench import _cpu_s, _etl, _ours
from bench.cryo_export import cryo_export
from hafeniq_chain.chain.anvil import free_port
from hafeniq_chain.chain.recorded_blocks import contiguous, load_dir, transaction_count

BLOCKS = 1000
REAL_RPC = Path(__file__).resolve().parents[2] / "shared" / "data" / "real-rpc" / "blocks"
GOAL_RATE_X, GOAL_CPU_SHARE = 3.0, 0.5


def write_chain(directory: Path, blocks: int) -> tuple[int, int]:
    """``blocks`` busy recorded blocks as a contiguous chain from block 1: (txs, logs)."""
    busy = [b for b in load_dir(REAL_RPC) if transaction_count([b]) >= 100]
    chain = contiguous(busy, 1, blocks)
    directory.mkdir(parents=True)
    for block in chain:
        (directory / f"{block.number}.json").write_bytes(orjson.dumps(block.to_json()))
    return (transaction_count(chain),
            sum(len(r.get("logs") or []) for b in chain for r in b.receipts))


class _Node:
    """The recorded node in its own process (no GIL shared with the measured clients)."""

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.recorded_serve", str(directory), "--port",
             str(self.port)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        assert self.process.stdout is not None
        for line in self.process.stdout:  # log lines come first
            if line.startswith(b"serving"):
                break
        else:
            self.stop()
            raise RuntimeError("the recorded node did not start")
        self.process.stdout.close()

    def cpu(self) -> float:
        return _cpu_s(self.process.pid)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(30)


def run(blocks: int = BLOCKS) -> list[tuple[str, str]]:
    with tempfile.TemporaryDirectory(prefix="hafeniq-recorded-bench-") as tmp:
        txs, logs = write_chain(Path(tmp) / "chain", blocks)
        node = _Node(Path(tmp) / "chain")
        first, last = 1, blocks
        try:
            node_cpu = node.cpu()
            stats, ours_s, ours_cpu, pg_cpu = asyncio.run(_ours(node.url, first, last))
            node_ours, node_cpu = node.cpu() - node_cpu, node.cpu()
            etl_s, etl_logs, etl_cpu = _etl(node.url, first, last)
            node_etl, node_cpu = node.cpu() - node_cpu, node.cpu()
            cryo_s, cryo_cpu = cryo_export(node.url, first, last)
            node_cryo = node.cpu() - node_cpu
        finally:
            node.stop()
    per_k = 1000 / blocks
    rate = {"ours": blocks / ours_s, "etl": blocks / etl_s, "cryo": blocks / cryo_s}
    ours_total = (ours_cpu + pg_cpu) * per_k
    return [
        ("recorded chain", f"{blocks} real mainnet blocks (repeated), {txs:,} txs, "
                           f"{logs:,} logs; we stored {stats.transactions:,} txs, "
                           f"{stats.logs:,} logs; ethereum-etl {etl_logs:,} logs"),
        ("hafeniq backfill (-> PostgreSQL)", f"{rate['ours']:.0f} blocks/s ({ours_s:.1f} s); "
         f"CPU/1k blocks {ours_cpu * per_k:.1f} Python + {pg_cpu * per_k:.1f} PostgreSQL "
         f"+ {node_ours * per_k:.1f} node"),
        ("ethereum-etl (-> CSV)", f"{rate['etl']:.0f} blocks/s ({etl_s:.1f} s); CPU/1k blocks "
         f"{etl_cpu * per_k:.1f} Python + {node_etl * per_k:.1f} node"),
        ("cryo (-> parquet)", f"{rate['cryo']:.0f} blocks/s ({cryo_s:.1f} s); CPU/1k blocks "
         f"{cryo_cpu * per_k:.1f} cryo + {node_cryo * per_k:.1f} node"),
        ("rate hafeniq / ethereum-etl", f"{rate['ours'] / rate['etl']:.2f}x "
                                        f"(goal >= {GOAL_RATE_X:.0f}x)"),
        ("CPU hafeniq (Python + PG) / ethereum-etl", f"{ours_total / (etl_cpu * per_k):.2f} "
                                                     f"(goal <= {GOAL_CPU_SHARE})"),
        ("rate hafeniq / cryo", f"{rate['ours'] / rate['cryo']:.2f}x (printed beside ours)"),
    ]


if __name__ == "__main__":
    for figure, value in run(int(sys.argv[1]) if len(sys.argv) > 1 else BLOCKS):
        print(f"{figure:42} {value}")
