"""``hafeniq-chain audit verify``: walk the decision hash chain, report the first broken link."""

from __future__ import annotations

import typer

from hafeniq_chain.audit import AuditVerdict, verify_chain
from hafeniq_chain.commands.common import console, run_async, settings_from
from hafeniq_chain.store.database import open_database

audit_app = typer.Typer(help="Inspect the hash-chained decision log.", no_args_is_help=True)


@audit_app.command("verify")
def verify(ctx: typer.Context) -> None:
    """Recompute every link; exit 1 and name the first broken row if any was altered."""
    settings = settings_from(ctx)

    async def _run() -> AuditVerdict:
        async with open_database(settings.store) as pool:
            return await verify_chain(pool)

    verdict = run_async(_run())
    if verdict.ok:
        console.print(f"[green]audit chain intact[/green]: {verdict.rows} record(s) verified")
        return
    console.print(f"[red]audit chain broken[/red] at seq {verdict.broken_seq}: "
                  f"{verdict.problem} ({verdict.rows} record(s) before it verified)")
    raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.add_typer(audit_app, name="audit")
