"""The recorded mainnet blocks in the evaluation: our MEV findings vs mev-inspect's labels.

mev-inspect's output is a reference, not ground truth: what it reports and we do not is
counted as a false negative, what we report and it does not as a false positive, so the
documented differences (tests/unit/test_mev_real_blocks.py) show up here honestly.
"""

from __future__ import annotations

import json
from collections.abc import Hashable
from pathlib import Path
from typing import TypeVar

from hafeniq_chain.detect.mev.arbitrage import find_arbitrages
from hafeniq_chain.detect.mev.sandwich import find_sandwiches
from hafeniq_chain.evaluation.scoring import Counts
from hafeniq_chain.replay.mev_inspect import read_mev_inspect

T = TypeVar("T", bound=Hashable)


def evaluate_mainnet(data_dir: Path) -> dict[str, Counts]:
    """Counts for ``sandwich (mainnet)`` and ``arbitrage (mainnet)`` over every block file."""
    root = data_dir / "mev-inspect-py"
    labels = json.loads((root / "labels.json").read_text())["blocks"]
    sandwiches, arbitrages = Counts(), Counts()
    for path in sorted((root / "blocks").glob("*.json")):
        derived = labels[f"blocks/{path.name}"]["derived_by_mev_inspect"]
        block = read_mev_inspect(path)
        ours = {(s.frontrun.tx_hash, s.backrun.tx_hash, s.pool)
                for s in find_sandwiches(block.swaps)}
        theirs = {(s["frontrun_tx"], s["backrun_tx"], s["pool"]) for s in derived["sandwiches"]}
        _add(sandwiches, ours, theirs)
        _add(arbitrages, {(a.route[0].tx_hash, a.profit) for a in find_arbitrages(block.swaps)},
             {(a["tx"], int(a["profit_amount"])) for a in derived["arbitrages"]})
    return {"sandwich (mainnet)": sandwiches, "arbitrage (mainnet)": arbitrages}


def _add(counts: Counts, ours: set[T], theirs: set[T]) -> None:
    counts.tp += len(ours & theirs)
    counts.fp += len(ours - theirs)
    counts.fn += len(theirs - ours)
