"""``hafeniq-chain labels import FILE...``: address-label feeds into ``address_labels``."""

from __future__ import annotations

from pathlib import Path

import typer

from hafeniq_chain.commands.common import console, run_async, settings_from
from hafeniq_chain.store.database import open_database
from hafeniq_chain.store.labels import LabelRow, import_labels, parse_label_feed

labels_app = typer.Typer(help="Address labels (exploit, phishing, ...).", no_args_is_help=True)


@labels_app.command("import")
def import_command(
    ctx: typer.Context,
    files: list[Path] = typer.Argument(..., help="Feed files (.json or .csv)."),
    chain_id: int = typer.Option(1, "--chain-id", help="Chain of feeds that do not say."),
) -> None:
    """Load label feeds (e.g. ../shared/data/forta-labels/labels.json); idempotent."""
    settings = settings_from(ctx)
    rows: list[LabelRow] = []
    for path in files:
        try:
            parsed = parse_label_feed(path, chain_id)
        except (OSError, ValueError) as exc:
            console.print(f"[red]cannot read[/red] {path}: {exc}")
            raise typer.Exit(2) from None
        console.print(f"{path}: {len(parsed)} label(s)")
        rows += parsed

    async def _run() -> int:
        async with open_database(settings.store) as pool, pool.acquire() as conn, \
                conn.transaction():
            return await import_labels(conn, rows)

    added = run_async(_run())
    console.print(f"[green]imported[/green] {added} new label(s) of {len(rows)}")


def register(app: typer.Typer) -> None:
    app.add_typer(labels_app, name="labels")
