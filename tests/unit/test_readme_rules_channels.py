"""The README's copy-paste TOML for "Rules" and "Channels" loads as written, and `alerts test`
refuses a channel that is not configured."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hafeniq_chain.cli import app
from hafeniq_chain.config import load_settings

REPO = Path(__file__).resolve().parents[2]


def _toml_blocks(section: str) -> list[str]:
    text = (REPO / "README.md").read_text()
    body = text.split(f"\n## {section}\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```toml\n(.*?)```", body, re.S)


def test_rules_example_loads(tmp_path: Path) -> None:
    (block,) = _toml_blocks("Rules")
    shutil.copytree(REPO / "examples" / "rules", tmp_path / "rules")
    (tmp_path / "hafeniq.toml").write_text(block)
    settings = load_settings(tmp_path / "hafeniq.toml")
    assert len(settings.rule) == 8 and settings.rule[0].channels == ["pagerduty", "slack"]


def test_channels_example_loads(tmp_path: Path) -> None:
    (block,) = _toml_blocks("Channels")
    (tmp_path / "hafeniq.toml").write_text(block)
    alerts = load_settings(tmp_path / "hafeniq.toml").alerts
    assert alerts.routes["pagerduty"].min_severity == "high"
    assert alerts.email.to == ["secops@example.org"] and alerts.telegram.chat_id


def test_alerts_test_refuses_an_unconfigured_channel(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in ("HAFENIQ_ALERTS__SLACK_WEBHOOK_URL", "HAFENIQ_ALERTS__WEBHOOK_URL"):
        monkeypatch.delenv(key, raising=False)
    result = CliRunner().invoke(app, ["alerts", "test", "--channel", "slack"])
    assert result.exit_code == 2


def test_quick_start_config_loads_once_addresses_are_filled_in(tmp_path: Path) -> None:
    block = _toml_blocks("Quick start")[0]
    filled = re.sub(r"0xYour\w+", "0x" + "ab" * 20, block)
    (tmp_path / "examples").symlink_to(REPO / "examples")
    (tmp_path / "hafeniq.toml").write_text(filled)
    settings = load_settings(tmp_path / "hafeniq.toml")
    assert len(settings.rule) == 7 and settings.chain.chain_id == 1
