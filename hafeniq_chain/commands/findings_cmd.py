"""``hafeniq-chain findings export --format forta|jsonl``: stored findings, one JSON per line."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from hafeniq_chain.commands.common import console, run_async, settings_from
from hafeniq_chain.fuse.findings_rows import finding_from_row
from hafeniq_chain.fuse.forta_format import forta_finding, jsonl_line
from hafeniq_chain.store.database import open_database

findings_app = typer.Typer(help="Stored findings.", no_args_is_help=True)


@findings_app.command("export")
def export(
    ctx: typer.Context,
    fmt: str = typer.Option("jsonl", "--format", help="forta (Forta Finding) or jsonl."),
    detector: list[str] = typer.Option([], "--detector", help="Only these (repeatable)."),
    since_id: int = typer.Option(0, "--since-id", min=0, help="Findings after this id."),
    limit: int = typer.Option(100_000, "--limit", min=1),
    output: Path | None = typer.Option(None, "--output", "-o", help="File (default stdout)."),
) -> None:
    """Write findings (oldest first, retracted ones left out) as JSON lines."""
    if fmt not in ("forta", "jsonl"):
        console.print(f"[red]unknown format[/red] {fmt!r}: forta or jsonl")
        raise typer.Exit(2)
    settings = settings_from(ctx)

    async def _rows() -> list[dict[str, object]]:
        async with open_database(settings.store) as pool:
            rows = await pool.fetch(
                "SELECT * FROM findings WHERE id > $1 AND status <> 'retracted' AND "
                "(cardinality($2::text[]) = 0 OR detector = ANY($2::text[])) "
                "ORDER BY id LIMIT $3", since_id, detector, limit)
            return [dict(r) for r in rows]

    rows = run_async(_rows())
    out = output.open("w") if output else sys.stdout
    try:
        for row in rows:
            finding = finding_from_row(row)
            fid = int(row["id"])  # type: ignore[call-overload]
            line = json.dumps(forta_finding(finding, fid), sort_keys=True) \
                if fmt == "forta" else jsonl_line(finding, fid)
            out.write(line + "\n")
    finally:
        if output:
            out.close()
    console.print(f"exported {len(rows)} finding(s) as {fmt}")


def register(app: typer.Typer) -> None:
    app.add_typer(findings_app, name="findings")
