"""``hafeniq-chain migrate``: bring the database schema up to date."""

from __future__ import annotations

import typer

from hafeniq_chain.commands.common import console, run_async, settings_from
from hafeniq_chain.store.database import open_database
from hafeniq_chain.store.migrator import MigrationError, migrate


def migrate_command(ctx: typer.Context) -> None:
    """Apply pending SQL migrations (safe to run concurrently and repeatedly)."""
    settings = settings_from(ctx)

    async def _run() -> list[str]:
        async with open_database(settings.store, run_migrations=False) as pool:
            return await migrate(pool)

    try:
        applied = run_async(_run())
    except MigrationError as exc:
        console.print(f"[red]migration refused[/red] {exc}")
        raise typer.Exit(2) from None
    console.print(f"[green]schema up to date[/green] ({len(applied)} migration(s) applied now)")


def register(app: typer.Typer) -> None:
    app.command("migrate")(migrate_command)
