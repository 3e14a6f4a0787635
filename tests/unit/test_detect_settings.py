"""Typed detector settings: validated at load, and built into the detectors that replay,
eval and run share (``detect.pipeline.build_pipeline``)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from hafeniq_chain.config import ConfigError, load_settings
from hafeniq_chain.detect.bridge.bridge_drain import BridgeDrainDetector
from hafeniq_chain.detect.drift.drift import DriftDetector
from hafeniq_chain.detect.pipeline import build_pipeline
from hafeniq_chain.detect.registry import DETECTOR_FACTORIES
from hafeniq_chain.detect.settings import DetectSettings
from tests.support.blocks import BlockBuilder, addr

ESCROW, TOKEN, THIEF = addr(0xE5), addr(0x70), addr(0xBAD)


def _config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "hafeniq.toml"
    path.write_text(text)
    return path


def test_every_registered_detector_has_its_table() -> None:
    tables = set(DetectSettings.model_fields) - {"disabled", "experimental"}
    assert tables == set(DETECTOR_FACTORIES)
    for name, cls in DETECTOR_FACTORIES.items():
        assert isinstance(DetectSettings().of(name), cls.settings_model)


def test_thresholds_and_watch_reach_the_built_detectors(tmp_path: Path) -> None:
    settings = load_settings(_config(tmp_path, f"""
[detect.drift]
warmup_blocks = 7
cusum_h = 9.0
[detect.bridge_drain]
min_share = 0.5
[[watch]]
address = "{ESCROW}"
kind = "bridge"
"""))
    pipeline = build_pipeline(settings.detection(), chain_id=1)
    by_name = {d.name: d for d in pipeline.detectors}
    drift = by_name["drift"]
    drain = by_name["bridge_drain"]
    assert isinstance(drift, DriftDetector) and isinstance(drain, BridgeDrainDetector)
    assert (drift.config.warmup_blocks, drift.config.cusum_h) == (7, 9.0)
    assert drain.config.min_share == 0.5
    b = BlockBuilder(1, 12)
    b.transfer(b.tx(THIEF, ESCROW), TOKEN, ESCROW, THIEF, 10**6)  # no bridge event at all
    asyncio.run(pipeline.detect_block(b.bundle()))
    assert ESCROW in drain.escrows  # known from [[watch]] alone
    plain = build_pipeline(load_settings().detection(), chain_id=1)
    asyncio.run(plain.detect_block(b.bundle()))
    assert ESCROW not in next(d for d in plain.detectors if d.name == "bridge_drain").escrows


def test_disabled_detector_is_not_built(tmp_path: Path) -> None:
    settings = load_settings(_config(tmp_path, '[detect]\ndisabled = ["drift", "jit"]\n'))
    names = {d.name for d in build_pipeline(settings.detection(), 1).detectors}
    assert names == set(DETECTOR_FACTORIES) - {"drift", "jit"}


def test_legacy_drift_keys_still_mean_drift(tmp_path: Path) -> None:
    settings = load_settings(_config(tmp_path, "[detect]\nwarmup_blocks = 3\ncusum_k = 0.7\n"))
    assert (settings.detect.drift.warmup_blocks, settings.detect.drift.cusum_k) == (3, 0.7)


@pytest.mark.parametrize(("text", "where"), [
    ("[detect.sandwich]\nunwind_tolerance = -1\n", "detect.sandwich.unwind_tolerance"),
    ("[detect.mev_cluster]\nwindow = 3\n", "detect.mev_cluster.window"),
    ("[detect.voting_ring.rule]\nhops = 2\nfresh = 1\n", "detect.voting_ring.rule.fresh"),
])
def test_bad_detector_setting_is_named(tmp_path: Path, text: str, where: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_settings(_config(tmp_path, text))
    assert any(p.path == where for p in err.value.problems), err.value.problems
