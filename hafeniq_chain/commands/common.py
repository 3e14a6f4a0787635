"""What every command shares: global options -> Settings, logging, asyncio entry."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from hafeniq_chain.config import ConfigError, Settings, load_settings
from hafeniq_chain.core.startup import StartupError
from hafeniq_chain.log import configure_logging

T = TypeVar("T")
console = Console(stderr=True, soft_wrap=True)  # one message = one line, for grep


@dataclass(frozen=True)
class CliOptions:
    """The global options given before the command name."""

    config: Path | None
    dsn: str | None
    data_dir: Path | None
    log_level: str | None


def settings_from(ctx: typer.Context, **overrides: Any) -> Settings:
    """Load settings with the global options and ``overrides`` (dotted keys) applied.

    Exits with status 2 and every problem listed when the configuration is invalid.
    """
    opts: CliOptions = ctx.obj if isinstance(ctx.obj, CliOptions) else CliOptions(None, None,
                                                                                  None, None)
    try:
        settings = load_settings(
            opts.config, **{"store.dsn": opts.dsn, "store.data_dir": opts.data_dir,
                            "log_level": opts.log_level, **overrides}
        )
    except ConfigError as exc:
        exit_on_config_error(exc)
    configure_logging(settings.log_level)
    return settings


def exit_on_config_error(exc: ConfigError) -> NoReturn:
    """Print every problem with its key path and exit with status 2."""
    for problem in exc.problems:
        console.print(f"[red]config error[/red] {problem}")
    raise typer.Exit(2) from None


def run_async(coro: Coroutine[Any, Any, T],
              loop_factory: Callable[[], asyncio.AbstractEventLoop] | None = None) -> T:
    """Run a coroutine to completion; Ctrl-C exits with 130 instead of a traceback, a node
    or database that cannot be used (StartupError) with 1 and one line saying why."""
    try:
        with asyncio.Runner(loop_factory=loop_factory) as runner:
            return runner.run(coro)
    except KeyboardInterrupt:
        raise typer.Exit(130) from None
    except StartupError as exc:
        console.print(f"[red]cannot start:[/red] {escape(str(exc))}", highlight=False)
        raise typer.Exit(1) from None
