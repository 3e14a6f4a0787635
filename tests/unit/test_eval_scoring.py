"""Evaluation scoring on plain data: matching, confusion counts, benign FP rate, lead time."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hafeniq_chain.evaluation.labels import AttackLabel, load_labels
from hafeniq_chain.evaluation.render import report_json
from hafeniq_chain.evaluation.scoring import EvalFinding, score


def label(scenario: str, txs: list[str], actors: list[str], b0: int, b1: int) -> AttackLabel:
    return AttackLabel.from_json({"scenario": scenario, "tx_hashes": txs, "actors": actors,
                                  "block_from": b0, "block_to": b1})


def finding(detector: str, txs: list[str], b: int, entities: list[str] | None = None
            ) -> EvalFinding:
    return EvalFinding(detector, detector, tuple(txs), tuple(entities or []), b, b, 0.5)


def test_counts_per_detector_and_scenario() -> None:
    labels = [label("sandwich", ["0xa1", "0xa2", "0xa3"], ["0xatt"], 10, 10),
              label("sandwich", ["0xb1", "0xb2"], ["0xatt2"], 20, 20),
              label("ring", ["0xr1", "0xr2", "0xr3"], ["0xfunder"], 30, 40)]
    findings = [finding("sandwich", ["0xa1", "0xa3"], 10),
                finding("sandwich", ["0xzz"], 15),            # benign tx flagged
                finding("ring", [], 35, ["0xfunder"])]         # matched by actor, 5 blocks early
    report = score(findings, labels, benign_tx_hashes=["0xzz", "0xy1", "0xy2", "0xy3"])
    assert report.by_detector["sandwich"].tp == 1
    assert report.by_detector["sandwich"].fp == 1
    assert report.by_scenario["sandwich"].tp == 1
    assert report.by_scenario["sandwich"].fn == 1
    assert report.by_scenario["sandwich"].recall == pytest.approx(0.5)
    assert report.by_scenario["ring"].recall == 1.0
    assert report.benign_tx_flagged == 1 and report.benign_tx_total == 4
    assert report.benign_flagged_by_detector == {"sandwich": 1}
    assert report.blocks_early["ring"] == [5]


def test_finding_outside_label_blocks_does_not_match() -> None:
    labels = [label("drift", ["0xd1"], ["0xfresh"], 100, 110)]
    report = score([finding("drift", [], 50, ["0xfresh"])], labels)
    assert report.by_scenario["drift"].fn == 1
    assert report.by_detector["drift"].fp == 1


def test_json_shape_is_stable() -> None:
    report = score([finding("x", ["0x1"], 1)], [label("s", ["0x1"], [], 1, 1)], ["0x2"])
    doc = report_json(report)
    assert set(doc) == {"schema_version", "detectors", "scenarios", "benign", "latency_s",
                        "blocks_before_last_attack_tx", "variants"}
    assert doc["detectors"]["x"] == {"tp": 1, "fp": 0, "fn": 0, "precision": 1.0,
                                     "recall": 1.0, "f1": 1.0}
    assert doc["benign"] == {"transactions": 1, "flagged": 0, "flagged_by_detector": {},
                             "false_positive_rate": 0.0}
    json.dumps(doc)


def test_malformed_label_line_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "labels.jsonl"
    path.write_text(json.dumps({"scenario": "s", "tx_hashes": ["0xAB"]}) + "\n{oops\n")
    with pytest.raises(ValueError, match=r"labels.jsonl:2"):
        load_labels(path)
    path.write_text(json.dumps({"scenario": "s", "tx_hashes": ["0xAB"]}) + "\n")
    assert load_labels(path)[0].tx_hashes == ("0xab",)


def test_alerted_counts_attacks_whose_alert_reached_the_channels() -> None:
    labels = [label("sandwich", ["0xa1"], ["0xatt"], 10, 10),
              label("sandwich", ["0xb1"], ["0xatt2"], 20, 20),
              label("ring", ["0xr1"], ["0xfunder"], 30, 40)]
    alerts = [EvalFinding("alert", "alert", ("0xa1",), (), None, None),
              EvalFinding("alert", "update", (), ("0xfunder",), None, None),
              EvalFinding("alert", "alert", ("0xunrelated",), (), None, None)]
    report = score([], labels, alerts=alerts)
    assert report.alerted == {"sandwich": 1, "ring": 1}
    assert report_json(report)["scenarios"]["ring"]["alerted"] == 1
