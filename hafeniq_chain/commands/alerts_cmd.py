"""``hafeniq-chain alerts``: recent incidents, readable at a glance."""

from __future__ import annotations

import typer
from rich.table import Table

from hafeniq_chain.commands.common import console, run_async, settings_from
from hafeniq_chain.store.database import open_database


def alerts_command(
    ctx: typer.Context,
    limit: int = typer.Option(20, "--limit", min=1, max=1000),
    include_retracted: bool = typer.Option(False, "--retracted", help="Show retracted too."),
) -> None:
    """List the most recent incidents with risk, action, reasons and delivery state."""
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


def register(app: typer.Typer) -> None:
    app.command("alerts")(alerts_command)
