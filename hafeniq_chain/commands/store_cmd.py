"""``hafeniq-chain migrate`` (schema up to date) and ``prune`` (raw-row retention)."""

from __future__ import annotations

import typer

from hafeniq_chain.commands.common import console, run_async, settings_from
from hafeniq_chain.store.database import open_database
from hafeniq_chain.store.migrator import MigrationError, migrate
from hafeniq_chain.store.partitions import Partition, drop_expired_partitions


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




def prune_command(
    ctx: typer.Context,
    keep_days: int | None = typer.Option(
        None, "--keep-days", min=1, help="Default: store.raw_block_retention_days."),
    dry_run: bool = typer.Option(False, "--dry-run", help="List, do not drop."),
) -> None:
    """Drop raw per-block partitions older than the retention (findings, audit kept)."""
    settings = settings_from(ctx)
    keep = keep_days or settings.store.raw_block_retention_days
    if keep is None:
        console.print("[red]no retention[/red]: pass --keep-days or set "
                      "store.raw_block_retention_days")
        raise typer.Exit(2)

    async def _run() -> list[Partition]:
        async with open_database(settings.store) as pool:
            return await drop_expired_partitions(pool, keep, dry_run=dry_run)

    parts = run_async(_run())
    verb = "would drop" if dry_run else "dropped"
    for p in parts:
        console.print(f"{verb} {p.name} (chain {p.chain_id}, blocks {p.first_block}.."
                      f"{p.end_block - 1})")
    console.print(f"[green]{verb} {len(parts)} partition(s)[/green] older than {keep} days")


def register(app: typer.Typer) -> None:
    app.command("migrate")(migrate_command)
    app.command("prune")(prune_command)
