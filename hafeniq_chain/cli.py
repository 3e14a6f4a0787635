"""The ``hafeniq-chain`` command line: a thin typer shell over the package.

Global options (``--config``, ``--dsn``, ``--data-dir``, ``--log-level``) are read
once here; each command module registers its commands in ``COMMAND_MODULES``.
"""

from __future__ import annotations

from pathlib import Path

import typer

from hafeniq_chain.commands import (
    alerts_cmd,
    api_cmd,
    audit_cmd,
    chain_cmd,
    common,
    config_cmd,
    demo_cmd,
    eval_cmd,
    findings_cmd,
    labels_cmd,
    replay_cmd,
    rules_cmd,
    scenario_cmd,
    status_cmd,
    store_cmd,
)

app = typer.Typer(
    name="hafeniq-chain",
    help="On-chain threat detection: learns what is normal and explains deviations.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

COMMAND_MODULES = [
    config_cmd, store_cmd, chain_cmd, replay_cmd, alerts_cmd, audit_cmd, api_cmd, scenario_cmd,
    eval_cmd, demo_cmd, findings_cmd, labels_cmd, rules_cmd, status_cmd,
]


@app.callback()
def main(
    ctx: typer.Context,
    config: Path | None = typer.Option(
        None, "--config", "-c", envvar="HAFENIQ_CONFIG", help="TOML config file (optional)."
    ),
    dsn: str | None = typer.Option(
        None, "--dsn", envvar="HAFENIQ_DSN",
        help="PostgreSQL DSN; without it an embedded server runs in --data-dir.",
    ),
    data_dir: Path | None = typer.Option(
        None, "--data-dir", envvar="HAFENIQ_DATA_DIR",
        help="Where the embedded PostgreSQL and other state live.",
    ),
    log_level: str | None = typer.Option(None, "--log-level", help="debug|info|warning|error"),
) -> None:
    """On-chain threat detection daemon."""
    ctx.obj = common.CliOptions(config=config, dsn=dsn, data_dir=data_dir, log_level=log_level)


for _module in COMMAND_MODULES:
    _module.register(app)
