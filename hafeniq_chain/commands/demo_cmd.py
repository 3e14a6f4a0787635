"""``hafeniq-chain demo``: the story a newcomer sees; grows as features land."""

from __future__ import annotations

import tempfile
from pathlib import Path

import typer

from hafeniq_chain.commands.common import console, run_async, settings_from
from hafeniq_chain.demo import run_demo


def demo_command(
    ctx: typer.Context,
    keep_data: bool = typer.Option(
        False, "--keep-data", help="Keep the demo's data directory instead of a temporary one."
    ),
) -> None:
    """Start embedded Postgres and Anvil, migrate, generate activity and show the status."""
    if keep_data:
        settings = settings_from(ctx)
        report = run_async(run_demo(settings))
    else:
        with tempfile.TemporaryDirectory(prefix="hafeniq-demo-") as tmp:
            settings = settings_from(ctx, **{"store.data_dir": Path(tmp)})
            report = run_async(run_demo(settings))
    console.print(report)


def register(app: typer.Typer) -> None:
    app.command("demo")(demo_command)
