"""The README's copy-paste TOML for "Quick start", "Rules" and "Channels" loads as written.

(No in-process CLI here: a CliRunner run rebinds the global log stream to one it closes.)
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

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


def test_quick_start_config_loads_once_addresses_are_filled_in(tmp_path: Path) -> None:
    block = _toml_blocks("Quick start")[0]
    filled = re.sub(r"0xYour\w+", "0x" + "ab" * 20, block)
    (tmp_path / "examples").symlink_to(REPO / "examples")
    (tmp_path / "hafeniq.toml").write_text(filled)
    settings = load_settings(tmp_path / "hafeniq.toml")
    assert len(settings.rule) == 7 and settings.chain.chain_id == 1
