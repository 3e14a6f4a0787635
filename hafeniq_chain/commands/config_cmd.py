"""``hafeniq-chain config check FILE``: validate a config and list every problem."""

from __future__ import annotations

from pathlib import Path

import typer

from hafeniq_chain.commands.common import console
from hafeniq_chain.config import ConfigError, load_settings

config_app = typer.Typer(help="Inspect and validate configuration.", no_args_is_help=True)


@config_app.command("check")
def check(file: Path = typer.Argument(..., help="The TOML file to validate.")) -> None:
    """Validate FILE; print every problem with its key path and exit 2 if any."""
    try:
        settings = load_settings(file)
    except ConfigError as exc:
        for problem in exc.problems:
            typer.echo(f"{problem}")
        raise typer.Exit(2) from None
    console.print(f"[green]ok[/green] {file}: chain {settings.chain.chain_id}, "
                  f"{len(settings.watch)} watched address(es), {len(settings.rule)} rule(s)")


def register(app: typer.Typer) -> None:
    app.add_typer(config_app, name="config")
