"""``hafeniq-chain scenario list/run`` as a user runs them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from hafeniq_chain.world.scenarios import SCENARIOS

pytestmark = pytest.mark.e2e
REPO = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-m", "hafeniq_chain"]


def test_scenario_list_names_every_scenario() -> None:
    out = subprocess.run([*CLI, "scenario", "list"], capture_output=True, text=True,
                         timeout=60, cwd=REPO)
    assert out.returncode == 0
    assert {line.split()[0] for line in out.stdout.splitlines()} == set(SCENARIOS)


def test_scenario_run_writes_labels(tmp_path: Path) -> None:
    labels = tmp_path / "labels.jsonl"
    out = subprocess.run([*CLI, "scenario", "run", "amount_above_forecast", "--seed", "3",
                          "--labels", str(labels), "--out-dir", str(tmp_path)],
                         capture_output=True, text=True, timeout=90, cwd=REPO)
    assert out.returncode == 0, out.stderr
    rows = [json.loads(line) for line in labels.read_text().splitlines()]
    assert [(r["scenario"], r["seed"]) for r in rows] == [("amount_above_forecast", 3)]
    assert len(rows[0]["tx_hashes"]) == 1


def test_unknown_scenario_exits_2() -> None:
    out = subprocess.run([*CLI, "scenario", "run", "nope"], capture_output=True, text=True,
                         timeout=60, cwd=REPO)
    assert out.returncode == 2
