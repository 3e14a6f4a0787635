"""``hafeniq-chain serve`` and ``hafeniq-chain apikey create``: thin shells over api/."""

from __future__ import annotations

import asyncio

import typer

from hafeniq_chain.alert.channels import channels_from_settings
from hafeniq_chain.alert.outbox import OutboxLoop
from hafeniq_chain.api.app import create_app
from hafeniq_chain.api.keys import ALL_SCOPES, create_api_key
from hafeniq_chain.api.server import fast_loop_factory, parse_listen, serve_app
from hafeniq_chain.api.tenant_router import TenantRouter
from hafeniq_chain.commands.common import console, run_async, settings_from
from hafeniq_chain.offchain.forecast_schedule import build_forecast_scheduler
from hafeniq_chain.store.database import open_database
from hafeniq_chain.store.lease import default_replica_id

apikey_app = typer.Typer(help="Manage API keys.", no_args_is_help=True)


def serve_command(
    ctx: typer.Context,
    listen: str | None = typer.Option(None, "--listen", help="HOST:PORT (default from config)."),
) -> None:
    """Run the REST API alone (no node needed)."""
    settings = settings_from(ctx, **{"api.listen": listen})
    try:
        parse_listen(settings.api.listen)
    except ValueError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None

    async def _run() -> None:
        async with open_database(settings.store) as pool:
            scheduler = build_forecast_scheduler(
                pool, settings.forecast, settings.store.raw_event_retention_days)
            scheduler.start()
            # Incidents the API opens are announced on the configured channels from here.
            channels = channels_from_settings(settings.alerts)
            outbox, stop = OutboxLoop(pool, channels), asyncio.Event()
            delivering = asyncio.create_task(outbox.run(stop)) if channels else None
            app = create_app(pool, settings, alert_channels=list(channels))
            tenants = app.state.hafeniq.tenants = TenantRouter(
                pool, settings.api.advertise_url or f"http://{settings.api.listen}",
                default_replica_id()) if settings.api.scoring_replicas else None
            try:
                await serve_app(app, settings.api.listen)
            finally:
                if tenants is not None:
                    await tenants.close()
                scheduler.shutdown(wait=False)
                stop.set()
                if delivering is not None:
                    await delivering

    run_async(_run(), loop_factory=fast_loop_factory())


def apikey_create_command(
    ctx: typer.Context,
    tenant: str = typer.Option(..., "--tenant", help="Tenant the key belongs to."),
    scope: list[str] = typer.Option(
        [], "--scope", help=f"Repeatable; one of {', '.join(ALL_SCOPES)} or *; default all."),
) -> None:
    """Create an API key and print it once (only its hash is stored)."""
    settings = settings_from(ctx)

    async def _run() -> str:
        async with open_database(settings.store) as pool:
            return await create_api_key(pool, tenant, scope)

    try:
        key = run_async(_run())
    except ValueError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    console.print("[green]key created[/green]; it is shown once, store it now:")
    print(key)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve_command)
    apikey_app.command("create")(apikey_create_command)
    app.add_typer(apikey_app, name="apikey")
