"""What the recorded node costs per block served: the "almost free node" of benchmarks.

The node runs in its own process (``python -m hafeniq_chain.chain.recorded_node``) on
60 consecutive blocks of real mainnet contents; the follower's call pattern (one batch of
full block + block receipts per block, ~130 transactions, ~300 KiB) is sent from here
over keep-alive HTTP, and the node process's CPU seconds are read from /proc. Anvil
serving the same kind of block costs ~20 ms of CPU (README, "How the indexer works").
``python -m bench.recorded_node_bench`` runs it alone.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
import orjson

from hafeniq_chain.chain.anvil import free_port
from hafeniq_chain.chain.recorded_blocks import contiguous, load_dir
from hafeniq_chain.chain.rpc import batch_body, block_calls

REAL_RPC = Path(__file__).resolve().parents[2] / "shared" / "data" / "real-rpc" / "blocks"
BLOCKS, ROUNDS = 60, 10
_TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS


async def _serve_all(url: str, numbers: list[int]) -> int:
    served = 0
    async with aiohttp.ClientSession() as session:
        for _ in range(ROUNDS):
            for n in numbers:
                async with session.post(url, data=batch_body(block_calls([n]))) as response:
                    served += len(await response.read())
    return served


def run() -> list[tuple[str, str]]:
    chain = contiguous(load_dir(REAL_RPC)[1:], 1_000, BLOCKS)
    with tempfile.TemporaryDirectory() as tmp:
        for block in chain:
            Path(tmp, f"{block.number}.json").write_bytes(orjson.dumps(block.to_json()))
        port = free_port()
        node = subprocess.Popen([sys.executable, "-m", "hafeniq_chain.chain.recorded_node",
                                 tmp, "--port", str(port)], stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL)
        try:
            assert node.stdout is not None
            node.stdout.readline()  # "serving ..." once it listens
            before, started = _cpu_s(node.pid), time.perf_counter()
            size = asyncio.run(_serve_all(f"http://127.0.0.1:{port}",
                                          [b.number for b in chain]))
            wall, cpu = time.perf_counter() - started, _cpu_s(node.pid) - before
        finally:
            node.terminate()
            node.wait(10)
    requests = BLOCKS * ROUNDS
    txs = sum(len(b.block["transactions"]) for b in chain) / BLOCKS
    return [("blocks served (block + receipts batch)", f"{requests}"),
            ("mean transactions per block", f"{txs:.0f}"),
            ("node CPU per block (goal < 2 ms; Anvil ~20 ms)", f"{cpu / requests * 1e3:.2f} ms"),
            ("node throughput (wall, one client)", f"{requests / wall:.0f} blocks/s"),
            ("bytes per block", f"{size / requests / 1024:.0f} KiB")]


if __name__ == "__main__":
    for name, value in run():
        print(f"{name}: {value}")
