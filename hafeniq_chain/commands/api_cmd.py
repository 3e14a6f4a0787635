"""``hafeniq-chain apikey create`` (prints a key once) and ``hafeniq-chain serve``."""

from __future__ import annotations

import typer
import uvicorn

from hafeniq_chain.api.app import create_app
from hafeniq_chain.api.keys import SCOPES, create_api_key
from hafeniq_chain.commands.common import console, run_async, settings_from
from hafeniq_chain.store.database import open_database

apikey_app = typer.Typer(help="Manage API keys.", no_args_is_help=True)


@apikey_app.command("create")
def create(ctx: typer.Context,
           tenant: str = typer.Option(..., "--tenant", help="Tenant the key belongs to."),
           scope: list[str] = typer.Option(
               sorted(SCOPES), "--scope", help=f"Repeatable; one of {sorted(SCOPES)}.")) -> None:
    """Create an API key and print it once (only its hash is stored)."""
    settings = settings_from(ctx)

    async def _run() -> str:
        async with open_database(settings.store) as pool:
            return await create_api_key(pool, tenant, scope)

    try:
        key = run_async(_run())
    except ValueError as exc:
        console.print(f"[red]cannot create key[/red] {exc}")
        raise typer.Exit(2) from None
    typer.echo(key)
    console.print(f"[green]created[/green] key for tenant {tenant!r} with scopes "
                  f"{sorted(scope)}; store it now, it cannot be shown again")


def serve_command(ctx: typer.Context,
                  listen: str | None = typer.Option(None, "--listen", help="HOST:PORT")) -> None:
    """Run the REST API alone (no node needed)."""
    settings = settings_from(ctx, **({"api.listen": listen} if listen else {}))
    host, _, port = settings.api.listen.rpartition(":")

    async def _run() -> None:
        async with open_database(settings.store) as pool:
            config = uvicorn.Config(create_app(pool), host=host, port=int(port),
                                    log_level="warning")
            await uvicorn.Server(config).serve()

    run_async(_run())


def register(app: typer.Typer) -> None:
    app.add_typer(apikey_app, name="apikey")
    app.command("serve")(serve_command)
