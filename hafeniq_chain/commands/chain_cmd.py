"""``hafeniq-chain run`` (follow a node) and ``hafeniq-chain backfill`` (index history)."""

from __future__ import annotations

import sys

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

from hafeniq_chain.chain.backfill import BackfillStats, backfill
from hafeniq_chain.chain.indexer import BlockIndexer
from hafeniq_chain.chain.node_probe import check_node
from hafeniq_chain.chain.rpc import RpcClient, RpcError
from hafeniq_chain.chain.trace_source import TracesUnavailable
from hafeniq_chain.commands.common import console, run_async, settings_from
from hafeniq_chain.commands.rules_cmd import print_hits
from hafeniq_chain.config import Settings
from hafeniq_chain.daemon import DaemonHalted
from hafeniq_chain.decode.abi_registry import AbiRegistry
from hafeniq_chain.fleet import Fleet
from hafeniq_chain.fuse.engine import IncidentEngine
from hafeniq_chain.replay.rules_history import RulesHistoryStats, rules_over_history
from hafeniq_chain.store.database import open_database

RPC_OPTION = typer.Option(None, "--rpc", help="RPC URL (ws:// or http://); overrides the config.")
WAIT_OPTION = typer.Option(
    False, "--wait", help="Keep retrying at start until the node and the database answer "
    "(default: exit with one line saying what is wrong).")


def _settings(ctx: typer.Context, rpc: list[str] | None) -> Settings:
    return settings_from(ctx, **({"chain.rpc_urls": rpc} if rpc else {}))


def run_command(
    ctx: typer.Context,
    rpc: list[str] | None = RPC_OPTION,
    from_block: int | None = typer.Option(
        None, "--from", help="First block to index when no cursor is stored (default: head)."),
    wait: bool = WAIT_OPTION,
) -> None:
    """Follow the node until SIGTERM: index heads, mempool and reorgs; then drain and exit."""
    settings = _settings(ctx, rpc)
    if rpc and settings.chains:
        console.print("[red]--rpc sets [chain]; with [[chains]] give each chain's rpc_urls[/red]")
        raise typer.Exit(2)

    async def _run() -> None:
        for _, chain_settings in settings.per_chain():  # every node answers, right chain
            await check_node(chain_settings.chain, wait=wait)
        async with open_database(settings.store, wait=wait) as pool:
            fleet = Fleet(settings, pool, start_block=from_block)  # one daemon per chain
            fleet.install_signal_handlers()
            await fleet.run()

    try:
        run_async(_run())
    except* DaemonHalted as group:
        console.print(f"[red]daemon halted[/red] {group.exceptions[0]}")
        raise typer.Exit(1) from None


def backfill_command(
    ctx: typer.Context,
    start: int = typer.Option(..., "--from", help="First block (inclusive)."),
    end: int = typer.Option(..., "--to", help="Last block (inclusive)."),
    rpc: list[str] | None = RPC_OPTION,
    concurrency: int = typer.Option(8, "--concurrency", min=1, max=32,
                                    help="Batches fetched or decoded ahead of the write."),
    workers: int = typer.Option(2, "--workers", min=0, max=32,
                                help="Decode worker processes (0 = decode in-process)."),
    wait: bool = WAIT_OPTION,
    rules: bool = typer.Option(False, "--rules",
                               help="Then evaluate the configured [[rule]]s on the range "
                                    "(findings and incidents stored, nobody paged)."),
) -> None:
    """Index a historical block range (resumable; running it twice changes nothing)."""
    if end < start:
        console.print("[red]--to must not be below --from[/red]")
        raise typer.Exit(2)
    settings = _settings(ctx, rpc)
    if rules and not settings.rule:
        console.print("[red]--rules: no \\[\\[rule]] configured[/red] (see README \"Rules\")")
        raise typer.Exit(2)
    hits: RulesHistoryStats | None = None

    async def _run() -> BackfillStats:
        nonlocal hits
        await check_node(settings.chain, wait=wait)
        async with open_database(settings.store, wait=wait) as pool:
            client = RpcClient(settings.chain.rpc_urls)
            registry = AbiRegistry.load(w.abi for w in settings.watch if w.abi)
            indexer = BlockIndexer(client, pool, settings.chain.chain_id, registry,
                                   source="backfill", fetch_traces=settings.chain.fetch_traces)
            try:
                with Progress("[progress.description]{task.description}", BarColumn(),
                              MofNCompleteColumn(), TimeRemainingColumn(), console=console,
                              disable=not sys.stderr.isatty()) as progress:
                    task = progress.add_task("backfill", total=end - start + 1)
                    stats = await backfill(indexer, start, end, concurrency=concurrency,
                                           workers=workers,
                                           on_progress=lambda n: progress.advance(task, n))
                if rules:  # opt-in: the same pass as `rules history`, after indexing
                    hits = await rules_over_history(indexer, start, end, settings.detection(),
                                                    IncidentEngine(pool, settings.policy, []))
                return stats
            finally:
                await client.close()

    try:
        stats = run_async(_run())
    except RpcError as exc:
        console.print(f"[red]backfill failed[/red] {exc} (re-run to resume)")
        raise typer.Exit(1) from None
    except TracesUnavailable as exc:
        console.print(f"[red]backfill failed[/red] {exc}")
        raise typer.Exit(1) from None
    console.print(f"[green]backfilled[/green] {stats.blocks} blocks, {stats.transactions} txs, "
                  f"{stats.logs} logs ({stats.decoded_logs} decoded, {stats.decode_errors} "
                  f"decode errors), "
                  f"{stats.rpc_errors} RPC errors retried")
    if hits is not None:
        print_hits(hits)


def register(app: typer.Typer) -> None:
    app.command("run")(run_command)
    app.command("backfill")(backfill_command)
