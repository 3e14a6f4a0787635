"""``hafeniq-chain eval [--json]``: labelled scenarios on a fresh world + real mainnet blocks,
the chain variants (pure data) and the off-chain scenario suite."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import typer

from hafeniq_chain.commands.common import console, run_async, settings_from
from hafeniq_chain.detect.mev.sandwich import SandwichSettings
from hafeniq_chain.evaluation.mev_variant_eval import ablation, score_cases, variant_tables
from hafeniq_chain.evaluation.mev_variants import JUDGE_SEEDS, all_cases
from hafeniq_chain.evaluation.offchain_suite import (
    DEFAULT_SEEDS,
    evaluate_offchain,
    suite_lines,
)
from hafeniq_chain.evaluation.render import report_json, report_tables, variants_table
from hafeniq_chain.evaluation.scoring import EvalReport
from hafeniq_chain.evaluation.suite import DEFAULT_DATA, evaluate
from hafeniq_chain.evaluation.variants.runner import evaluate_variants, parse_seeds
from hafeniq_chain.evaluation.world_run import default_scenarios


def _seeds(option: str, text: str) -> list[int]:
    try:
        return parse_seeds(text)
    except ValueError as exc:
        console.print(f"[red]bad {option}[/red] {exc}")
        raise typer.Exit(2) from exc


def eval_command(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Print the documented JSON document."),
    benign_tx: int = typer.Option(2000, "--benign-tx", min=0, help="Benign transactions."),
    seeds: str = typer.Option("1", "--seeds", help="Comma-separated scenario seeds."),
    scenario: list[str] = typer.Option(None, "--scenario", help="Only these (repeatable)."),
    data: Path = typer.Option(DEFAULT_DATA, "--data", help="The shared real-data folder."),
    variant_seeds: str = typer.Option(
        "100-123", "--variant-seeds",
        help="Seeds of the chain variants (a-b or comma-separated; empty = none)."),
    variants_only: bool = typer.Option(False, "--variants-only",
                                       help="Only the chain variants (no world, no node)."),
    offchain_seeds: str | None = typer.Option(
        None, "--offchain-seeds",
        help=f"Seeds of the off-chain scenario suite (A-B or a comma list; '' skips it);"
             f" default {DEFAULT_SEEDS[0]}-{DEFAULT_SEEDS[-1]}, none with --scenario."),
    offchain_only: bool = typer.Option(False, "--offchain-only",
                                       help="Only the off-chain scenario suite."),
    mev_variants: bool = typer.Option(
        False, "--mev-variants", help="Only the labelled MEV variants and near-misses (pure "
        "data, no node): per-variant table and what each sandwich rule costs and buys."),
) -> None:
    """Evaluate every detector: precision, recall, F1, benign FP rate, detection latency."""
    settings = settings_from(ctx)
    if mev_variants:
        _mev_variants(settings.detect.sandwich, seeds, as_json)
        return
    vseeds = _seeds("--variant-seeds", variant_seeds)
    if variants_only:
        rows = evaluate_variants(vseeds, settings.detect)
        if as_json:
            typer.echo(json.dumps(report_json(EvalReport(variants=rows))["variants"],
                                  sort_keys=True, indent=1))
        else:
            console.print(variants_table(rows))
        return
    chosen = scenario or default_scenarios()
    unknown = sorted(set(chosen) - set(default_scenarios()))
    if unknown:
        console.print(f"[red]unknown scenario(s)[/red] {unknown}; see `scenario list`")
        raise typer.Exit(2)
    if offchain_seeds is None:
        offchain_seeds = "" if scenario and not offchain_only else (
            f"{DEFAULT_SEEDS[0]}-{DEFAULT_SEEDS[-1]}")
    suite_seeds = _seeds("--offchain-seeds", offchain_seeds)
    with tempfile.TemporaryDirectory(prefix="hafeniq-eval-") as tmp:
        report = None if offchain_only else run_async(evaluate(
            settings, Path(tmp), benign_tx, [int(s) for s in seeds.split(",") if s.strip()],
            chosen, data if data.exists() else None, progress=lambda m: console.log(m),
            variant_seeds=vseeds))
        suite = run_async(evaluate_offchain(settings, Path(tmp), suite_seeds,
                                            progress=lambda m: console.log(m))
                          ) if suite_seeds else None
    if as_json:
        document = report_json(report) if report is not None else {}
        if suite is not None:
            document["offchain_suite"] = suite.as_dict()
        typer.echo(json.dumps(document, sort_keys=True, indent=1))
    else:
        for table in report_tables(report) if report is not None else []:
            console.print(table)
        for line in suite_lines(suite) if suite is not None else []:
            console.print(line, highlight=False)


def _mev_variants(sandwich: SandwichSettings, seeds: str, as_json: bool) -> None:
    """``--mev-variants``: ``--seeds`` 1 (the default) means the judge seeds."""
    chosen = [int(x) for x in seeds.split(",") if x.strip()]
    cases = all_cases(list(JUDGE_SEEDS) if chosen == [1] else chosen)
    rows = score_cases(cases, sandwich)
    if as_json:
        typer.echo(json.dumps({"mev_variants": [
            {**r.__dict__, "missed": r.missed} for r in rows]}, sort_keys=True, indent=1))
        return
    for table in variant_tables(rows, ablation(cases)):
        console.print(table)


def register(app: typer.Typer) -> None:
    app.command("eval")(eval_command)
