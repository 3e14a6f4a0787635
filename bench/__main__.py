"""`make bench`: run every registered benchmark and print its figures side by side."""

from __future__ import annotations

import importlib
import os
import sys
import time

from rich.console import Console
from rich.table import Table

# Each entry is a module under bench/ exposing `run() -> list[tuple[str, str]]` (name, figure).
BENCHMARKS: list[str] = [
    "bench.migrate_bench", "bench.backfill_bench", "bench.score_bench", "bench.world_bench",
    "bench.replay_bench", "bench.daemon_bench", "bench.bridge_detect_bench",
    "bench.recorded_node_bench", "bench.recorded_backfill_bench", "bench.catchup_bench",
    "bench.rules_bench", "bench.benign_gov_bridge_bench", "bench.variant_ablation_bench",
    "bench.storage_bench", "bench.capacity_bench",
    "bench.mev_dense_bench",
]


def main() -> int:
    console = Console()
    table = Table(title="hafeniq-chain benchmarks")
    table.add_column("benchmark")
    table.add_column("figure")
    table.add_column("value", justify="right")
    failed = 0
    for name in BENCHMARKS:
        # NOTE: a benchmark that wrote gigabytes (backfill) leaves the kernel flushing them
        # for tens of seconds; flush first so that does not land in the next one's figures.
        os.sync()
        started = time.monotonic()
        try:
            rows = importlib.import_module(name).run()
        except Exception as exc:  # a broken benchmark must not hide the others' figures
            failed += 1
            table.add_row(name, "ERROR", repr(exc)[:80])
            continue
        for figure, value in rows:
            table.add_row(name.removeprefix("bench."), figure, value)
        table.add_row("", f"(took {time.monotonic() - started:.1f} s)", "")
    console.print(table)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
