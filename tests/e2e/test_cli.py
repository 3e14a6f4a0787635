"""The CLI as a user runs it: help, config check, migrate, demo."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e
REPO = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-m", "hafeniq_chain"]


def run(*args: str, timeout: float = 120, env: dict[str, str] | None = None
        ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=timeout,
                          cwd=REPO, env=env)


def test_help_lists_commands_with_descriptions() -> None:
    out = run("--help")
    assert out.returncode == 0
    for command in ("migrate", "demo", "config"):
        assert command in out.stdout


def test_config_check_reports_key_paths_and_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[chain]\nconfirmations = 'many'\n[store]\npool_max = 0\n")
    out = run("config", "check", str(bad))
    assert out.returncode == 2
    assert "chain.confirmations" in out.stdout
    assert "store.pool_max" in out.stdout
    good = run("config", "check", str(REPO / "examples" / "hafeniq.toml"))
    assert good.returncode == 0, good.stderr


def test_migrate_against_a_given_dsn(empty_dsn: str) -> None:
    first = run("--dsn", empty_dsn, "migrate")
    assert first.returncode == 0, first.stderr
    again = run("--dsn", empty_dsn, "migrate")
    assert again.returncode == 0
    assert "0 migration(s) applied now" in again.stderr


def test_demo_runs_to_the_end_with_signed_alerts() -> None:
    out = run("demo", "--benign-tx", "200", timeout=400)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "alerts received and verified" in out.stderr
    assert "rejected (bad signature)" in out.stderr and "per scenario" in out.stderr
    alerted = re.search(r"attack scenarios with an alert\D+(\d+)/(\d+)", out.stderr)
    assert alerted and alerted.group(1) == alerted.group(2) == "9", out.stderr[-3000:]
    fired = re.search(r"user rule alerts \(large-bridge-release\)\D+(\d+)", out.stderr)
    assert fired and int(fired.group(1)) >= 1, out.stderr[-3000:]  # the demo's own rule
