"""``[[chains]]``: several chains in one config, each with its own detector settings; the old
single ``[chain]`` config keeps meaning one chain."""

from __future__ import annotations

from pathlib import Path

import pytest

from hafeniq_chain.config import ConfigError, load_settings

TWO_CHAINS = """
[detect.drift]
cusum_h = 6.0
warmup_blocks = 40

[[chains]]
name = "mainnet"
chain_id = 1
rpc_urls = ["ws://127.0.0.1:8545"]
confirmations = 2

[[chains]]
name = "base"
chain_id = 8453
rpc_urls = ["http://127.0.0.1:9545", "http://127.0.0.1:9546"]
[chains.detect]
disabled = ["sandwich"]
[chains.detect.drift]
cusum_h = 9.0
"""


def test_each_chain_gets_its_section_and_merged_detector_settings(tmp_path: Path) -> None:
    cfg = tmp_path / "chains.toml"
    cfg.write_text(TWO_CHAINS)
    chains = load_settings(cfg).per_chain()
    assert [(n, s.chain.chain_id) for n, s in chains] == [("mainnet", 1), ("base", 8453)]
    mainnet, base = chains[0][1], chains[1][1]
    assert mainnet.chain.confirmations == 2 and base.chain.confirmations == 0
    assert base.chain.rpc_urls == ["http://127.0.0.1:9545", "http://127.0.0.1:9546"]
    assert (mainnet.detect.drift.cusum_h, mainnet.detect.drift.warmup_blocks) == (6.0, 40)
    assert (base.detect.drift.cusum_h, base.detect.drift.warmup_blocks) == (9.0, 40)
    assert base.detect.disabled == ["sandwich"] and mainnet.detect.disabled == []
    assert base.chains == [] and base.detection().detect.drift.cusum_h == 9.0


def test_old_single_chain_config_is_one_chain() -> None:
    settings = load_settings(None, **{"chain.chain_id": 10})
    assert [(n, s.chain.chain_id) for n, s in settings.per_chain()] == [("default", 10)]


@pytest.mark.parametrize(("extra", "problem"), [
    ('[[chains]]\nname = "again"\nchain_id = 1\n', "chain_id must be different"),
    ('[[chains]]\nname = "mainnet"\nchain_id = 5\n', "name must be different"),
    ('[[chains]]\nname = "x"\nchain_id = 7\n[chains.detect.drift]\ncusum_h = "high"\n',
     "cusum_h"),
    ('[[chains]]\nname = "Bad Name"\nchain_id = 7\n', "chains.2.name"),
])
def test_bad_chains_are_named(tmp_path: Path, extra: str, problem: str) -> None:
    cfg = tmp_path / "bad.toml"
    cfg.write_text(TWO_CHAINS + extra)
    with pytest.raises(ConfigError, match=problem):
        load_settings(cfg)


def test_example_chains_config_is_valid() -> None:
    example = Path(__file__).resolve().parents[2] / "examples" / "chains.toml"
    chains = load_settings(example).per_chain()
    assert [(n, s.chain.chain_id) for n, s in chains] == [("mainnet", 1), ("base", 8453)]
    assert chains[1][1].detect.drift.cusum_h == 7.0
