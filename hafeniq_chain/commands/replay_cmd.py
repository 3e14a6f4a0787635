"""``hafeniq-chain replay FILE...``: recorded blocks through the live pipeline."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import typer

from hafeniq_chain.commands.common import console, run_async, settings_from
from hafeniq_chain.decode.records import BlockBundle
from hafeniq_chain.detect.registry import build_detectors
from hafeniq_chain.replay.mev_inspect import bundle_from_mev_inspect, looks_like_mev_inspect
from hafeniq_chain.replay.output import finding_line
from hafeniq_chain.replay.pipeline import replay_bundles
from hafeniq_chain.store.database import open_database


class UnknownRecording(ValueError):
    """A file whose format replay does not recognise."""


def read_recording(path: Path, chain_id: int) -> Iterator[BlockBundle]:
    """Dispatch on the file's content: a mev-inspect block (more formats plug in here)."""
    try:
        raw = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise UnknownRecording(f"{path}: cannot read JSON: {exc}") from None
    if looks_like_mev_inspect(raw):
        yield bundle_from_mev_inspect(raw, chain_id)
        return
    raise UnknownRecording(f"{path}: not a recognised recording (expected a mev-inspect block "
                           "with 'block_number' and 'traces')")


def replay_command(
    ctx: typer.Context,
    files: list[Path] = typer.Argument(..., help="Recorded block files (mev-inspect JSON)."),
    jsonl: bool = typer.Option(False, "--jsonl", help="Print each finding as one JSON line."),
    chain_id: int = typer.Option(1, "--chain-id", help="Chain the recording comes from."),
) -> None:
    """Replay recorded blocks through storage and every detector; findings go to Postgres."""
    settings = settings_from(ctx)
    detectors = build_detectors(settings.detect.disabled)

    def bundles() -> Iterator[BlockBundle]:
        for path in sorted(files, key=lambda p: p.name):
            yield from read_recording(path, chain_id)

    async def _run() -> int:
        count = 0
        async with open_database(settings.store) as pool:
            async for stored in replay_bundles(bundles(), detectors, pool):
                count += 1
                if jsonl:
                    typer.echo(json.dumps(finding_line(stored), sort_keys=True))
                else:
                    console.print(f"[bold]{stored.finding.kind}[/bold] block "
                                  f"{stored.finding.block_from}: {stored.finding.summary}")
        return count

    try:
        count = run_async(_run())
    except UnknownRecording as exc:
        console.print(f"[red]replay failed[/red] {exc}")
        raise typer.Exit(2) from None
    console.print(f"[green]replayed[/green] {len(files)} file(s), {count} finding(s)")


def register(app: typer.Typer) -> None:
    app.command("replay")(replay_command)
