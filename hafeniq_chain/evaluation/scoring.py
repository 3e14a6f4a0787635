"""Match findings to labelled attacks and compute the figures `eval` prints.

A finding *matches* a label when it names one of the label's transactions (or, for
findings about actors rather than transactions, one of its actors) inside the label's
block range. Findings that match no label are false positives; the benign transactions
they name give the false-positive rate on benign traffic.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from hafeniq_chain.evaluation.labels import AttackLabel
from hafeniq_chain.evaluation.variants.runner import Row as VariantRow


@dataclass(frozen=True)
class EvalFinding:
    """What scoring needs of a stored finding."""

    detector: str
    kind: str
    tx_hashes: tuple[str, ...]
    entities: tuple[str, ...]
    block_from: int | None
    block_to: int | None
    latency_s: float | None = None  # block mined -> finding stored, when known


@dataclass
class Counts:
    """Confusion counts with the derived rates."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def f1(self) -> float | None:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p is not None and r is not None and p + r else None

    def as_dict(self) -> dict[str, float | int | None]:
        return {"tp": self.tp, "fp": self.fp, "fn": self.fn, "precision": self.precision,
                "recall": self.recall, "f1": self.f1}


@dataclass
class EvalReport:
    """Per-detector and per-scenario figures plus detection timing."""

    by_detector: dict[str, Counts] = field(default_factory=dict)
    by_scenario: dict[str, Counts] = field(default_factory=dict)
    benign_tx_total: int = 0
    benign_tx_flagged: int = 0
    benign_flagged_by_detector: dict[str, int] = field(default_factory=dict)
    latencies_s: list[float] = field(default_factory=list)
    blocks_early: dict[str, list[int]] = field(default_factory=dict)
    alerted: dict[str, int] = field(default_factory=dict)  # scenario -> attacks with an alert
    variants: list[VariantRow] = field(default_factory=list)  # seeded chain variants

    @property
    def benign_fp_rate(self) -> float | None:
        return self.benign_tx_flagged / self.benign_tx_total if self.benign_tx_total else None


def matches(finding: EvalFinding, label: AttackLabel) -> bool:
    """Does this finding point at this labelled attack?"""
    if label.block_from is not None and finding.block_to is not None \
            and finding.block_to < label.block_from:
        return False
    if label.block_to is not None and finding.block_from is not None \
            and finding.block_from > label.block_to:
        return False
    if set(finding.tx_hashes) & set(label.tx_hashes):
        return True
    return bool(set(finding.entities) & set(label.actors))


def score(findings: Sequence[EvalFinding], labels: Sequence[AttackLabel],
          benign_tx_hashes: Iterable[str] = (), alerts: Sequence[EvalFinding] = ()
          ) -> EvalReport:
    """Compute the evaluation report; deterministic for the same inputs.

    ``alerts`` (what reached the channels, in the same shape as findings) give, per
    scenario, how many attacks raised at least one alert.
    """
    report = EvalReport()
    for label in labels:
        alerted = any(matches(alert, label) for alert in alerts)
        report.alerted[label.scenario] = report.alerted.get(label.scenario, 0) + alerted
    detected: dict[int, list[EvalFinding]] = defaultdict(list)
    attack_txs = {h for label in labels for h in label.tx_hashes}
    benign = {h.lower() for h in benign_tx_hashes} - attack_txs
    report.benign_tx_total = len(benign)
    flagged_benign: set[str] = set()
    flagged_by: dict[str, set[str]] = defaultdict(set)
    for finding in findings:
        counts = report.by_detector.setdefault(finding.detector, Counts())
        hit = [i for i, label in enumerate(labels) if matches(finding, label)]
        if hit:
            counts.tp += 1
            for i in hit:
                detected[i].append(finding)
        else:
            counts.fp += 1
            flagged_benign |= set(finding.tx_hashes) & benign
            flagged_by[finding.detector] |= set(finding.tx_hashes) & benign
    report.benign_tx_flagged = len(flagged_benign)
    report.benign_flagged_by_detector = {d: len(h) for d, h in sorted(flagged_by.items())}
    for i, label in enumerate(labels):
        counts = report.by_scenario.setdefault(label.scenario, Counts())
        if not detected[i]:
            counts.fn += 1
            continue
        counts.tp += 1
        first = min(detected[i], key=lambda f: (f.block_to or 0))
        if first.latency_s is not None:
            report.latencies_s.append(first.latency_s)
        if label.block_to is not None and first.block_to is not None \
                and label.block_from != label.block_to:
            report.blocks_early.setdefault(label.scenario, []).append(
                label.block_to - first.block_to)
    return report
