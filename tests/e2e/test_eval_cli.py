"""`hafeniq-chain eval --json` on a fresh world: the documented shape and real detections."""

from __future__ import annotations

import json

import pytest

from tests.support.cli import run_cli

pytestmark = pytest.mark.e2e
DOCUMENTED = {"schema_version", "detectors", "scenarios", "benign", "latency_s",
              "blocks_before_last_attack_tx", "variants"}


async def test_eval_json_on_a_sandwich_and_the_real_blocks() -> None:
    out = await run_cli("--log-level", "warning", "eval", "--json", "--benign-tx", "200",
                        "--scenario", "sandwich", "--seeds", "1,2", within_s=300)
    assert out.returncode == 0, out.stderr[-2000:]
    doc = json.loads(out.stdout)
    assert set(doc) == DOCUMENTED and doc["schema_version"] == 1
    assert doc["scenarios"]["sandwich"]["recall"] == 1.0
    assert doc["detectors"]["sandwich"]["tp"] >= 2
    assert doc["benign"]["transactions"] > 200 and doc["benign"]["flagged"] == 0
    assert doc["latency_s"]["samples"] >= 2
    if "sandwich (mainnet)" in doc["detectors"]:  # ../shared/data beside the checkout
        assert doc["detectors"]["arbitrage (mainnet)"]["recall"] == 1.0


async def test_unknown_scenario_is_refused() -> None:
    out = await run_cli("eval", "--scenario", "nope")
    assert out.returncode == 2 and "unknown scenario" in out.stderr
