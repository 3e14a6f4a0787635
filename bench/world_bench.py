"""Benign-traffic throughput: 10,000 seeded intents on a freshly loaded world.

Run alone with ``.venv/bin/python -m bench.world_bench [N_TX]``; prints tx/s. The target
(issue 4) is >= 10,000 transactions in under five minutes on a 2-core machine.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from web3 import Web3

from hafeniq_chain.world.state import build_world, start_world
from hafeniq_chain.world.traffic import run_benign


def run(n_tx: int = 10_000) -> list[tuple[str, str]]:
    with tempfile.TemporaryDirectory() as tmp:
        files = build_world(Path(tmp))
        node, manifest = start_world(files)
        try:
            w3 = Web3(Web3.HTTPProvider(node.http_url))
            started = time.monotonic()
            stats = run_benign(w3, manifest, seed=42, n_tx=n_tx, hours=6.0)
            elapsed = time.monotonic() - started
        finally:
            node.stop()
    total = stats.tx_sent + stats.setup_tx
    return [("benign transactions sent", f"{stats.tx_sent}"),
            ("setup transactions", f"{stats.setup_tx}"),
            ("failed (reverted) intents", f"{stats.tx_failed}"),
            ("blocks", f"{stats.blocks}"),
            ("wall time (s)", f"{elapsed:.1f}"),
            ("tx/s incl. setup", f"{total / elapsed:.0f}")]


if __name__ == "__main__":
    for name, value in run(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000):
        print(f"{name:28} {value}")
