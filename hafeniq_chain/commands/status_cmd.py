"""``hafeniq-chain status``: which replica owns which chain, and who stands by."""

from __future__ import annotations

import json

import asyncpg
import typer
from rich.console import Console
from rich.table import Table

from hafeniq_chain.commands.common import run_async, settings_from
from hafeniq_chain.store.database import open_database
from hafeniq_chain.store.lease_status import ChainLeaseState, lease_status


def _as_json(states: list[ChainLeaseState], stale_after_s: float) -> str:
    return json.dumps([{
        "chain_id": s.chain_id, "owner": s.owner, "epoch": s.epoch, "lock_held": s.lock_held,
        "acquired_at": s.acquired_at.isoformat(),
        "replicas": [{"replica": r.replica, "role": r.role, "host": r.host, "pid": r.pid,
                      "heartbeat_age_s": round(r.heartbeat_age_s, 2),
                      "alive": r.heartbeat_age_s <= stale_after_s} for r in s.replicas],
    } for s in states], indent=2)


def status_command(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
    stale_after_s: float = typer.Option(
        10.0, "--stale-after", min=0.1, help="A replica silent this long is shown as gone."),
) -> None:
    """Per chain: the owner replica (lease epoch, lock held) and the standbys."""
    settings = settings_from(ctx)

    async def _run() -> list[ChainLeaseState]:
        async with open_database(settings.store, run_migrations=False) as pool:
            try:
                return await lease_status(pool)
            except asyncpg.UndefinedTableError:
                return []

    states = run_async(_run())
    out = Console(soft_wrap=True)
    if as_json:
        out.print_json(_as_json(states, stale_after_s))
        return
    if not states:
        out.print("no chain leased yet (no `run` replica has started on this database)")
        return
    table = Table("chain", "replica", "role", "host:pid", "heartbeat", "lease")
    for s in states:
        for r in s.replicas:
            role = "standby"
            if r.replica == s.owner and r.role == "owner":
                role = "owner" if s.lock_held else "owner, lock free (dead?)"
            if r.heartbeat_age_s > stale_after_s:
                role = "gone"
            lease = f"epoch {s.epoch}" + ("" if s.lock_held else " (lock free)") if (
                r.replica == s.owner) else ""
            table.add_row(str(s.chain_id), r.replica, role, f"{r.host}:{r.pid}",
                          f"{r.heartbeat_age_s:.1f}s ago", lease)
    out.print(table)


def register(app: typer.Typer) -> None:
    app.command("status")(status_command)
