"""``hafeniq-chain demo``: the whole story on a fresh local world in a few minutes."""

from __future__ import annotations

import tempfile
from pathlib import Path

import typer

from hafeniq_chain.commands.common import CliOptions, console, run_async, settings_from
from hafeniq_chain.demo import DEMO_BENIGN_TX, run_demo


def demo_command(
    ctx: typer.Context,
    benign_tx: int = typer.Option(DEMO_BENIGN_TX, "--benign-tx", min=0,
                                  help="Benign transactions before the attacks."),
) -> None:
    """World, normal users, every attack, live alerts, signed webhooks, the eval table."""
    # The story is told by the alerts and tables; info logs would bury them (--log-level
    # info brings them back).
    asked = isinstance(ctx.obj, CliOptions) and ctx.obj.log_level is not None
    settings = settings_from(ctx, **({} if asked else {"log_level": "warning"}))
    with tempfile.TemporaryDirectory(prefix="hafeniq-demo-") as tmp:
        tables = run_async(run_demo(settings, Path(tmp), console, benign_tx))
    for table in tables:
        console.print(table)


def register(app: typer.Typer) -> None:
    app.command("demo")(demo_command)
