"""`eval` output: a rich table for people, a stable JSON document for scripts."""

from __future__ import annotations

import statistics
from typing import Any

from rich.table import Table

from hafeniq_chain.evaluation.scoring import Counts, EvalReport
from hafeniq_chain.evaluation.variants.runner import Row as VariantRow

EVAL_SCHEMA_VERSION = 1


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


def _counts_table(title: str, rows: dict[str, Counts],
                  alerted: dict[str, int] | None = None) -> Table:
    table = Table(title=title)
    columns = ["name", "TP", "FP", "FN", "precision", "recall", "F1"]
    for column in columns + (["alerted"] if alerted is not None else []):
        table.add_column(column, justify="left" if column == "name" else "right")
    for name, c in sorted(rows.items()):
        extra = [str(alerted.get(name, 0))] if alerted is not None else []
        table.add_row(name, str(c.tp), str(c.fp), str(c.fn), _pct(c.precision),
                      _pct(c.recall), _pct(c.f1), *extra)
    return table


def report_tables(report: EvalReport) -> list[Table]:
    """Per-detector and per-scenario tables plus a summary table."""
    summary = Table(title="summary")
    summary.add_column("figure")
    summary.add_column("value", justify="right")
    summary.add_row("benign transactions", str(report.benign_tx_total))
    summary.add_row("benign transactions flagged", str(report.benign_tx_flagged))
    summary.add_row("false-positive rate on benign txs", _pct(report.benign_fp_rate))
    for detector, flagged in report.benign_flagged_by_detector.items():
        summary.add_row(f"benign transactions flagged by {detector}", str(flagged))
    if report.latencies_s:
        summary.add_row("detection latency p50",
                        f"{statistics.median(report.latencies_s) * 1000:.0f} ms")
    for scenario, early in sorted(report.blocks_early.items()):
        summary.add_row(f"{scenario}: blocks before last attack tx (min)", str(min(early)))
    tables = [_counts_table("per detector", report.by_detector),
              _counts_table("per scenario", report.by_scenario, report.alerted), summary]
    if report.variants:
        tables.append(variants_table(report.variants))
    return tables


def variants_table(rows: list[VariantRow]) -> Table:
    """Seeded chain variants: recall per attack family, loud findings per look-alike."""
    table = Table(title="chain variants: attacks found, look-alikes at medium or above")
    table.add_column("variant", no_wrap=True)
    table.add_column("kind", no_wrap=True)
    for column in ("seeds", "hits", "worst", "failed"):
        table.add_column(column, justify="right")
    for r in sorted(rows, key=lambda r: (not r.attack, r.name)):
        table.add_row(r.name, "attack" if r.attack else "look-alike", str(r.seeds),
                      str(r.hits), r.worst, ",".join(map(str, r.failed_seeds)) or "-")
    return table


def report_json(report: EvalReport) -> dict[str, Any]:
    """The documented, versioned JSON shape of `hafeniq-chain eval --json`."""
    lat = sorted(report.latencies_s)
    return {
        "schema_version": EVAL_SCHEMA_VERSION,
        "detectors": {k: v.as_dict() for k, v in sorted(report.by_detector.items())},
        "scenarios": {k: {**v.as_dict(), "alerted": report.alerted.get(k, 0)}
                      for k, v in sorted(report.by_scenario.items())},
        "benign": {"transactions": report.benign_tx_total,
                   "flagged": report.benign_tx_flagged,
                   "flagged_by_detector": report.benign_flagged_by_detector,
                   "false_positive_rate": report.benign_fp_rate},
        "latency_s": {"p50": statistics.median(lat) if lat else None,
                      "p99": lat[min(len(lat) - 1, int(len(lat) * 0.99))] if lat else None,
                      "samples": len(lat)},
        "blocks_before_last_attack_tx": {k: min(v) for k, v in
                                         sorted(report.blocks_early.items())},
        "variants": {r.name: {"attack": r.attack, "seeds": r.seeds, "hits": r.hits,
                              "worst_severity": r.worst, "failed_seeds": r.failed_seeds}
                     for r in report.variants},
    }
