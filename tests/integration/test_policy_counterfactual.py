"""Replaying recorded decisions under a stricter policy reports exactly what changes."""

from __future__ import annotations

from pathlib import Path

import asyncpg
import pytest

from hafeniq_chain.core.finding import ConfidenceBand, Finding, Severity
from hafeniq_chain.core.policy import Policy, Thresholds
from hafeniq_chain.core.reasons import ReasonCode
from hafeniq_chain.fuse.counterfactual import counterfactual
from hafeniq_chain.fuse.engine import IncidentEngine
from tests.support.cli import run_cli

pytestmark = pytest.mark.integration
SCORES = [0.1, 0.3, 0.45, 0.55, 0.62, 0.7, 0.75, 0.82, 0.86, 0.9, 0.95, 0.99]


async def _record(pool: asyncpg.Pool) -> dict[int, int]:
    engine = IncidentEngine(pool, Policy(), ["webhook"])
    risk = {}
    for i, score in enumerate(SCORES):
        (d,) = await engine.process([Finding(
            "drift", "1", "burst", score, ConfidenceBand(score * 0.9, score), Severity.HIGH,
            (ReasonCode.FLASH_BURST,), f"case {i}", f"c{i}", entities=(f"0xe{i}",))])
        risk[d.decision_id] = d.risk.score
    return risk


def _expected(risk: dict[int, int]) -> dict[int, str]:
    """By hand: default (alert 500, quarantine 800) vs strict (alert 700, quarantine 900)."""
    out = {}
    for decision, r in risk.items():
        if 500 <= r < 700:
            out[decision] = "removed alert"
        elif 800 <= r < 900:
            out[decision] = "changed action"
    return out


async def test_stricter_policy_reports_exactly_the_changes(pool: asyncpg.Pool) -> None:
    risk = await _record(pool)
    strict = Policy(thresholds=Thresholds(alert_only=700, quarantine=900))
    changes = await counterfactual(pool, strict)
    assert {c.decision_id: c.change for c in changes} == _expected(risk)
    assert _expected(risk), "the scores must exercise both bands"
    assert await counterfactual(pool, Policy()) == []


async def test_replay_policy_command(pool: asyncpg.Pool, empty_dsn: str,
                                     tmp_path: Path) -> None:
    risk = await _record(pool)
    other = tmp_path / "strict.toml"
    other.write_text("[policy.thresholds]\nalert_only = 700\nquarantine = 900\n")
    out = await run_cli("--dsn", empty_dsn, "replay", "--policy", str(other), "--jsonl")
    assert out.returncode == 0, out.stderr[-1500:]
    import json
    lines = [json.loads(x) for x in out.stdout.splitlines()]
    assert {x["decision_id"]: x["change"] for x in lines} == _expected(risk)
