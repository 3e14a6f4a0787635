"""``hafeniq-chain alerts``: recent incidents, readable at a glance; ``alerts test``: a
sample alert through every configured channel."""

from __future__ import annotations

import typer
from rich.table import Table

from hafeniq_chain.alert.channels import channels_from_settings
from hafeniq_chain.alert.sample import send_samples
from hafeniq_chain.commands.common import console, run_async, settings_from
from hafeniq_chain.store.database import open_database


def alerts_command(
    ctx: typer.Context,
    limit: int = typer.Option(20, "--limit", min=1, max=1000),
    include_retracted: bool = typer.Option(False, "--retracted", help="Show retracted too."),
) -> None:
    """List the most recent incidents with risk, action, reasons and delivery state."""
    if ctx.invoked_subcommand is not None:
        return
    settings = settings_from(ctx)

    async def _run() -> list[dict[str, object]]:
        async with open_database(settings.store) as pool:
            rows = await pool.fetch(
                "SELECT i.id, i.updated_at, i.severity, i.risk_score, i.confidence_low, "
                "i.confidence_high, i.action, i.status, i.reason_codes, i.summary, "
                "(SELECT count(*) FROM alerts a WHERE a.incident_id = i.id) AS alerts, "
                "(SELECT count(*) FROM alert_deliveries d JOIN alerts a ON a.id = d.alert_id "
                " WHERE a.incident_id = i.id AND d.status = 'sent') AS delivered "
                "FROM incidents i WHERE $2 OR i.status <> 'retracted' "
                "ORDER BY i.updated_at DESC LIMIT $1", limit, include_retracted)
            return [dict(r) for r in rows]

    rows = run_async(_run())
    table = Table(title=f"recent incidents ({len(rows)})")
    for column in ("id", "updated", "severity", "risk", "action", "status", "reasons",
                   "alerts (delivered)", "summary"):
        table.add_column(column, overflow="fold")
    for r in rows:
        table.add_row(str(r["id"]), f"{r['updated_at']:%Y-%m-%d %H:%M:%S}", str(r["severity"]),
                      f"{r['risk_score']} ({r['confidence_low']}–{r['confidence_high']})",
                      str(r["action"]), str(r["status"]),
                      ", ".join(r["reason_codes"][:3]),  # type: ignore[index]
                      f"{r['alerts']} ({r['delivered']})", str(r["summary"])[:80])
    console.print(table)


def test_command(
    ctx: typer.Context,
    channel: list[str] = typer.Option([], "--channel", help="Only this channel (repeatable)."),
) -> None:
    """Send one sample alert through every configured channel and print each result."""
    settings = settings_from(ctx)
    channels = channels_from_settings(settings.alerts)
    unknown = sorted(set(channel) - set(channels))
    if unknown:
        console.print(f"[red]not configured[/red]: {', '.join(unknown)} (configured: "
                      f"{', '.join(channels) or 'none'})")
        raise typer.Exit(2)
    if channel:
        channels = {k: v for k, v in channels.items() if k in channel}
    if not channels:
        console.print("no channel is configured (see README \"Channels\")")
        raise typer.Exit(2)
    results = run_async(send_samples(channels))
    for r in results:
        typer.echo(f"{r.channel}: {'ok' if r.ok else 'failed: ' + r.error} "
                   f"({r.seconds:.2f}s)")
    raise typer.Exit(0 if all(r.ok for r in results) else 1)


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Recent incidents; `alerts test` checks every channel.",
                        invoke_without_command=True)
    group.callback()(alerts_command)
    group.command("test")(test_command)
    app.add_typer(group, name="alerts")
