"""Fusion and policy on plain data: deterministic, principled, explainable."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hafeniq_chain.alert.slack import (
    MAX_BLOCKS,
    MAX_CONTEXT_ELEMENTS,
    MAX_HEADER_TEXT,
    MAX_SECTION_TEXT,
    slack_message,
)
from hafeniq_chain.core.actions import Action
from hafeniq_chain.core.finding import ConfidenceBand, FeatureDelta, Finding, Severity
from hafeniq_chain.core.policy import Policy
from hafeniq_chain.core.reasons import ReasonCode
from hafeniq_chain.fuse.fusion import fuse


def f(detector: str, score: float, key: str = "k", code: ReasonCode = ReasonCode.FLASH_BURST
      ) -> Finding:
    return Finding(detector, "1", detector, score, ConfidenceBand(score * 0.8, min(1, score * 1.1)),
                   Severity.HIGH, (code,), f"{detector} saw something", key,
                   entities=("0xabc",), deltas=(FeatureDelta("rate", 1.0, 5.0, "rate 5x"),))


def test_fusion_is_order_independent_and_counts_a_detector_once() -> None:
    a, b, c = f("drift", 0.7, "1"), f("drift", 0.9, "2"), f("sandwich", 0.6, "3",
                                                           ReasonCode.SANDWICH_FRONTRUN)
    assert fuse([a, b, c]) == fuse([c, b, a])
    assert fuse([a, b, c]).score == fuse([b, c]).score  # only the strongest drift counts
    assert fuse([b, c]).score > fuse([b]).score > fuse([]).score


def test_weights_and_reason_order() -> None:
    findings = [f("drift", 0.9, "1"), f("sandwich", 0.6, "2", ReasonCode.SANDWICH_FRONTRUN)]
    fused = fuse(findings)
    assert fused.reason_codes == ["FLASH_BURST", "SANDWICH_FRONTRUN"]
    assert fused.low <= fused.score <= fused.high
    downweighted = fuse(findings, {"drift": 0.2})
    assert downweighted.score < fused.score
    assert downweighted.reason_codes[0] == "SANDWICH_FRONTRUN"


def test_thresholds_sensitivity_and_rules() -> None:
    policy = Policy.from_config({"detectors": {"drift": {"sensitivity": 2.0}},
                                 "entities": {"0xdead": {"simulate": True}}})
    assert policy.decide(450, ["sandwich"], ["0x1"]) == (Action.LOG_ONLY, False)
    assert policy.decide(300, ["drift"], ["0x1"])[0] == Action.ALERT_ONLY  # 500/2 = 250
    assert policy.decide(300, ["sandwich"], ["0x1"])[0] == Action.LOG_ONLY
    assert policy.decide(900, ["sandwich"], ["0x1"])[0] == Action.QUARANTINE
    assert policy.decide(900, ["sandwich"], ["0xDEAD"]) == (Action.QUARANTINE, True)


def test_suppressions() -> None:
    policy = Policy.from_config({"allowlist": ["0xAbC"], "suppress_windows": [
        {"start": "2026-01-01T00:00:00Z", "end": "2026-01-02T00:00:00Z",
         "reason": "bridge migration"}]})
    assert policy.suppressed(["0xabc"], datetime.now(UTC)) == "allow-listed address"
    assert "bridge migration" in str(policy.suppressed(
        ["0x1"], datetime(2026, 1, 1, 12, tzinfo=UTC)))
    assert policy.suppressed(["0x1"], datetime(2026, 2, 1, tzinfo=UTC)) is None
    with pytest.raises(ValueError, match="end must be after start"):
        Policy.from_config({"suppress_windows": [{"start": "2026-01-02T00:00:00Z",
                                                  "end": "2026-01-01T00:00:00Z"}]})


def test_slack_payload_respects_block_kit_limits() -> None:
    huge = "x" * 10_000
    payload = {"schema": "hafeniq.alert/v1", "kind": "alert", "tx_hashes": ["0x" + "a" * 64] * 99,
               "incident": {"id": 1, "correlation_key": "k", "risk_score": 900,
                            "confidence": [800, 950], "severity": "critical",
                            "action": "quarantine", "reason_codes": ["FLASH_BURST"] * 40,
                            "entities": [f"0x{i:040x}" for i in range(60)], "summary": huge,
                            "explanation": [{"detector": "d", "kind": "k", "log_odds": 3.1,
                                             "weight": 1.0, "score": 0.9,
                                             "reason_codes": ["FLASH_BURST"], "summary": huge,
                                             "deltas": [{"description": huge}] * 9}] * 80}}
    message = slack_message(payload)
    assert len(message["blocks"]) <= MAX_BLOCKS
    for block in message["blocks"]:
        if block["type"] == "header":
            assert len(block["text"]["text"]) <= MAX_HEADER_TEXT
        elif block["type"] == "section":
            assert len(block["text"]["text"]) <= MAX_SECTION_TEXT
        elif block["type"] == "context":
            assert len(block["elements"]) <= MAX_CONTEXT_ELEMENTS
    assert len(message["text"]) <= 300


def test_sensitivity_adapts_to_calibration_within_bounds() -> None:
    policy = Policy()  # alert_only at 500, adaptive bounds 0.75..1.25
    assert policy.decide(450, ["drift"], [], {"drift": 2.0})[0] == Action.ALERT_ONLY  # 500/1.25
    assert policy.decide(450, ["drift"], [], {"drift": 1.0})[0] == Action.LOG_ONLY
    assert policy.decide(600, ["drift"], [], {"drift": 0.25})[0] == Action.LOG_ONLY  # 500/.75
    assert policy.decide(380, ["drift"], [], {"drift": 50.0})[0] == Action.LOG_ONLY  # bounded
