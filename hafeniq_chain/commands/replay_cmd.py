"""``hafeniq-chain replay FILE...``: recorded blocks through the live pipeline."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path

import typer
from rich.table import Table

from hafeniq_chain.commands.common import (
    console,
    exit_on_config_error,
    run_async,
    settings_from,
)
from hafeniq_chain.config import ConfigError, Settings, load_settings
from hafeniq_chain.decode.int_range import nulled_so_far
from hafeniq_chain.decode.records import BlockBundle
from hafeniq_chain.detect.registry import build_detectors
from hafeniq_chain.fuse.counterfactual import PolicyChange, counterfactual
from hafeniq_chain.log import get_logger
from hafeniq_chain.replay.eth_logs import looks_like_eth_logs, read_eth_logs
from hafeniq_chain.replay.mev_inspect import bundle_from_mev_inspect, looks_like_mev_inspect
from hafeniq_chain.replay.output import finding_line
from hafeniq_chain.replay.pipeline import ReplayStats, replay_bundles
from hafeniq_chain.store.database import open_database

log = get_logger(__name__)


class UnknownRecording(ValueError):
    """A file whose format replay does not recognise."""


def read_recording(path: Path, chain_id: int) -> Iterator[BlockBundle]:
    """Dispatch on the file's content: eth_getLogs logs (JSON/JSONL) or a mev-inspect block."""
    if looks_like_eth_logs(path):
        yield from read_eth_logs(path, chain_id)
        return
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
    files: list[Path] = typer.Argument(None, help="Recorded block files (mev-inspect JSON)."),
    jsonl: bool = typer.Option(False, "--jsonl", help="Print each finding as one JSON line."),
    chain_id: int = typer.Option(1, "--chain-id", help="Chain the recording comes from."),
    policy: Path | None = typer.Option(
        None, "--policy", help="Another config's [policy]: print which recorded decisions "
        "it would change (new/removed alerts, changed actions)."),
) -> None:
    """Replay recorded blocks through storage and every detector; findings go to Postgres.

    With --policy (and no files), re-decide the stored decisions under another policy.
    """
    settings = settings_from(ctx)
    if policy is not None:
        show_counterfactual(settings, policy, jsonl)
        return
    if not files:
        console.print("[red]give recorded block files, or --policy FILE[/red]")
        raise typer.Exit(2)
    try:
        detection = settings.detection()
        build_detectors(detection)  # unknown names in detect.disabled: fail before work
    except ValueError as exc:
        console.print(f"[red]bad [detect] settings[/red] {exc}")
        raise typer.Exit(2) from None

    stats = ReplayStats()

    def bundles() -> Iterator[BlockBundle]:
        for path in sorted(files, key=lambda p: p.name):
            yield from recording_or_skip(path, chain_id, stats)

    async def _run() -> int:
        count = 0
        async with open_database(settings.store) as pool:
            async for stored in replay_bundles(bundles(), detection, pool, stats):
                count += 1
                if jsonl:
                    typer.echo(json.dumps(finding_line(stored), sort_keys=True))
                else:
                    console.print(f"[bold]{stored.finding.kind}[/bold] block "
                                  f"{stored.finding.block_from}: {stored.finding.summary}")
        return count

    nulled_before = nulled_so_far()
    count = run_async(_run())
    nulled = nulled_so_far() - nulled_before
    console.print(f"[green]replayed[/green] {len(files) - stats.files_skipped} file(s), "
                  f"{stats.blocks} block(s), {count} finding(s); {nulled} value(s) out of "
                  f"range stored as NULL; skipped {stats.files_skipped} file(s), "
                  f"{stats.blocks_skipped} block(s)")
    if stats.files_skipped or stats.blocks_skipped:
        raise typer.Exit(2)


def recording_or_skip(path: Path, chain_id: int, stats: ReplayStats) -> Iterator[BlockBundle]:
    """The bundles of one file; a file that cannot be read is a counted, logged skip, so one
    bad file never loses the others (the run still exits non-zero). Blocks read before a
    malformed part of a file are kept."""
    try:
        yield from read_recording(path, chain_id)
    except (UnknownRecording, OSError, ValueError, KeyError, TypeError) as exc:
        stats.files_skipped += 1
        log.error("replay.file_skipped", path=str(path), error=f"{type(exc).__name__}: {exc}")
        console.print(f"[red]replay skipped[/red] {exc}")


def show_counterfactual(settings: Settings, policy_file: Path, jsonl: bool) -> None:
    """Print the decisions another policy would change."""
    try:
        other = load_settings(policy_file).policy
    except ConfigError as exc:
        exit_on_config_error(exc)

    async def _run() -> list[PolicyChange]:
        async with open_database(settings.store) as pool:
            return await counterfactual(pool, other)

    changes = run_async(_run())
    if jsonl:
        for c in changes:
            typer.echo(json.dumps({**asdict(c), "change": c.change}, sort_keys=True))
    else:
        table = Table(title=f"{len(changes)} decision(s) would change under {policy_file}")
        for column in ("decision", "subject", "risk", "recorded", "would be", "change"):
            table.add_column(column)
        for c in changes:
            table.add_row(str(c.decision_id), c.subject, str(c.risk_score), c.old_action,
                          c.new_action, c.change)
        console.print(table)


def register(app: typer.Typer) -> None:
    app.command("replay")(replay_command)
