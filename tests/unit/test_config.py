"""Settings: defaults, env overrides, and every problem reported with its key path."""

from __future__ import annotations

from pathlib import Path

import pytest

from hafeniq_chain.config import ConfigError, load_settings

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "hafeniq.toml"


def test_example_config_is_valid() -> None:
    settings = load_settings(EXAMPLE)
    assert settings.chain.max_reorg_depth == 64
    assert settings.watch[0].kind == "bridge"


def test_no_file_gives_defaults() -> None:
    settings = load_settings(None)
    assert settings.chain.confirmations == 0
    assert settings.store.dsn is None


def test_every_problem_has_its_key_path(tmp_path: Path) -> None:
    cfg = tmp_path / "bad.toml"
    cfg.write_text(
        '[chain]\nconfirmations = -1\nrpc_urls = ["ftp://x"]\nbogus = 1\n'
        '[[watch]]\naddress = "0x12"\n'
        '[alerts]\nwebhook_secret = "s3cret"\n'
    )
    with pytest.raises(ConfigError) as info:
        load_settings(cfg)
    paths = {p.path for p in info.value.problems}
    assert {"chain.confirmations", "chain.rpc_urls", "chain.bogus", "watch.0.address",
            "alerts.webhook_secret"} <= paths


def test_secret_in_file_is_refused_even_if_otherwise_valid(tmp_path: Path) -> None:
    cfg = tmp_path / "s.toml"
    cfg.write_text('[alerts]\nslack_webhook_url = "http://127.0.0.1/hook"\n')
    with pytest.raises(ConfigError) as info:
        load_settings(cfg)
    assert "HAFENIQ_ALERTS__SLACK_WEBHOOK_URL" in str(info.value)


def test_env_overrides_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text("[chain]\nconfirmations = 3\n")
    monkeypatch.setenv("HAFENIQ_CHAIN__CONFIRMATIONS", "7")
    monkeypatch.setenv("HAFENIQ_ALERTS__WEBHOOK_SECRET", "from-env")
    settings = load_settings(cfg)
    assert settings.chain.confirmations == 7
    assert settings.alerts.webhook_secret is not None
    assert settings.alerts.webhook_secret.get_secret_value() == "from-env"


def test_invalid_toml_is_reported(tmp_path: Path) -> None:
    cfg = tmp_path / "broken.toml"
    cfg.write_text("[chain\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(cfg)


def test_missing_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_settings(tmp_path / "nope.toml")
