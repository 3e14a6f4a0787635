"""``hafeniq-chain rules history --from N --to M``: would my rules have fired back then?"""

from __future__ import annotations

import typer

from hafeniq_chain.chain.indexer import BlockIndexer
from hafeniq_chain.chain.rpc import RpcClient, RpcError
from hafeniq_chain.commands.common import console, run_async, settings_from
from hafeniq_chain.decode.abi_registry import AbiRegistry
from hafeniq_chain.fuse.engine import IncidentEngine
from hafeniq_chain.replay.rules_history import RulesHistoryStats, rules_over_history
from hafeniq_chain.store.database import open_database

rules_app = typer.Typer(help="User rules ([[rule]] in the config).", no_args_is_help=True)


@rules_app.command("history")
def history(
    ctx: typer.Context,
    start: int = typer.Option(..., "--from", help="First block (inclusive)."),
    end: int = typer.Option(..., "--to", help="Last block (inclusive)."),
    rpc: list[str] | None = typer.Option(None, "--rpc", help="RPC URL; overrides the config."),
) -> None:
    """Evaluate the configured rules on a past block range (findings and incidents are
    stored, nothing is sent to any channel; running a range twice adds nothing)."""
    if end < start:
        console.print("[red]--to must not be below --from[/red]")
        raise typer.Exit(2)
    settings = settings_from(ctx, **({"chain.rpc_urls": rpc} if rpc else {}))
    if not settings.rule:
        console.print("no \\[\\[rule]] configured (see README \"Rules\")")
        raise typer.Exit(2)

    async def _run() -> RulesHistoryStats:
        async with open_database(settings.store) as pool:
            client = RpcClient(settings.chain.rpc_urls)
            registry = AbiRegistry.load(w.abi for w in settings.watch if w.abi)
            indexer = BlockIndexer(client, pool, settings.chain.chain_id, registry,
                                   fetch_traces=settings.chain.fetch_traces)
            try:
                return await rules_over_history(indexer, start, end, settings.detection(),
                                                IncidentEngine(pool, settings.policy, []))
            finally:
                await client.close()

    try:
        stats = run_async(_run())
    except RpcError as exc:
        console.print(f"[red]failed[/red] {exc}")
        raise typer.Exit(1) from None
    print_hits(stats)


def print_hits(stats: RulesHistoryStats) -> None:
    """One ``rule: count`` line per rule that fired (stdout), then the totals."""
    for rule, count in sorted(stats.by_rule.items()):
        typer.echo(f"{rule}: {count}")
    console.print(f"rules: {stats.findings} finding(s) in {stats.blocks} block(s)")


def register(app: typer.Typer) -> None:
    app.add_typer(rules_app, name="rules")
