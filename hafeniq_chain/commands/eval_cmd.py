"""``hafeniq-chain eval [--json]``: labelled scenarios on a fresh world + real mainnet blocks."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import typer

from hafeniq_chain.commands.common import console, run_async, settings_from
from hafeniq_chain.config import Settings
from hafeniq_chain.evaluation.mainnet import evaluate_mainnet
from hafeniq_chain.evaluation.render import report_json, report_tables
from hafeniq_chain.evaluation.scoring import Counts, EvalReport, score
from hafeniq_chain.evaluation.world_run import default_scenarios, run_world
from hafeniq_chain.store.database import create_pool
from hafeniq_chain.store.embedded import EmbeddedPostgres
from hafeniq_chain.store.migrator import migrate

DEFAULT_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"


async def evaluate(settings: Settings, work: Path, benign_tx: int, seeds: list[int],
                   scenarios: list[str], data: Path | None) -> EvalReport:
    """The whole evaluation in a fresh embedded PostgreSQL inside ``work``."""
    server = EmbeddedPostgres(work / "db")
    pool = await create_pool(server.start(), max_size=8)
    try:
        await migrate(pool)
        run = await run_world(settings, pool, work, benign_tx=benign_tx, seeds=seeds,
                              scenarios=scenarios, progress=lambda m: console.log(m))
    finally:
        await pool.close()
        server.stop()
    report = score(run.findings, run.labels, run.benign_tx_hashes)
    for key, (tp, fn, fp, _) in run.offchain.items():
        scenario = key.split(":")[0]
        for bucket in (report.by_scenario.setdefault(scenario, Counts()),
                       report.by_detector.setdefault("withdrawal_risk", Counts())):
            bucket.tp, bucket.fn, bucket.fp = bucket.tp + tp, bucket.fn + fn, bucket.fp + fp
    if data is not None and (data / "mev-inspect-py").exists():
        report.by_detector.update(evaluate_mainnet(data))
    return report


def eval_command(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Print the documented JSON document."),
    benign_tx: int = typer.Option(2000, "--benign-tx", min=0, help="Benign transactions."),
    seeds: str = typer.Option("1", "--seeds", help="Comma-separated scenario seeds."),
    scenario: list[str] = typer.Option(None, "--scenario", help="Only these (repeatable)."),
    data: Path = typer.Option(DEFAULT_DATA, "--data", help="The shared real-data folder."),
) -> None:
    """Evaluate every detector: precision, recall, F1, benign FP rate, detection latency."""
    settings = settings_from(ctx)
    chosen = scenario or default_scenarios()
    unknown = sorted(set(chosen) - set(default_scenarios()))
    if unknown:
        console.print(f"[red]unknown scenario(s)[/red] {unknown}; see `scenario list`")
        raise typer.Exit(2)
    with tempfile.TemporaryDirectory(prefix="hafeniq-eval-") as tmp:
        report = run_async(evaluate(settings, Path(tmp), benign_tx,
                                    [int(s) for s in seeds.split(",") if s.strip()], chosen,
                                    data if data.exists() else None))
    if as_json:
        typer.echo(json.dumps(report_json(report), sort_keys=True, indent=1))
    else:
        for table in report_tables(report):
            console.print(table)


def register(app: typer.Typer) -> None:
    app.command("eval")(eval_command)
