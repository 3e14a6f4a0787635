"""``hafeniq-chain world ...`` and ``hafeniq-chain scenario ...``: the Anvil world from the CLI.

Thin shells over ``hafeniq_chain.world``: deploy and dump a world, drive benign traffic,
list and run attack scenarios (against ``--rpc`` + ``--manifest``, or a throw-away world).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import typer
from web3 import Web3

from hafeniq_chain.commands.common import console
from hafeniq_chain.world.labels import LABELS_FILE
from hafeniq_chain.world.manifest import MANIFEST_FILE, Manifest
from hafeniq_chain.world.scenarios import SCENARIOS, run_scenario
from hafeniq_chain.world.state import build_world, start_world
from hafeniq_chain.world.traffic import run_benign

world_app = typer.Typer(help="Deploy the Anvil test world and drive benign traffic.",
                        no_args_is_help=True)
scenario_app = typer.Typer(help="Labelled attack scenarios on the Anvil world.",
                           no_args_is_help=True)


@world_app.command("deploy")
def deploy(out: Path = typer.Option(Path("world"), "--out",
                                    help="Directory for anvil-state.json + manifest.")) -> None:
    """Deploy the world on a throw-away Anvil and dump its state and manifest to OUT."""
    files = build_world(out)
    console.print(f"[green]ok[/green] state {files.state}, manifest {files.manifest}")


@world_app.command("traffic")
def traffic(rpc: str = typer.Option(..., "--rpc", help="HTTP URL of the world's Anvil."),
            manifest: Path = typer.Option(Path(MANIFEST_FILE), "--manifest"),
            seed: int = typer.Option(1, "--seed"),
            n_tx: int = typer.Option(10_000, "--n-tx", help="Benign transactions to send."),
            hours: float = typer.Option(24.0, "--hours", help="Simulated chain time span."),
            wallets: int = typer.Option(300, "--wallets")) -> None:
    """Send seeded benign traffic (same seed -> same intents)."""
    stats = run_benign(Web3(Web3.HTTPProvider(rpc)), Manifest.load(manifest), seed, n_tx,
                       hours=hours, n_wallets=wallets)
    console.print(stats)


@scenario_app.command("list")
def list_scenarios() -> None:
    """Print every scenario name with a one-line description."""
    for name, (_, about) in SCENARIOS.items():
        typer.echo(f"{name:26} {about}")


@scenario_app.command("run")
def run(name: str = typer.Argument(..., help="Scenario name (see `scenario list`)."),
        seed: int = typer.Option(1, "--seed"),
        rpc: str | None = typer.Option(None, "--rpc",
                                       help="World Anvil URL; default: a throw-away world."),
        manifest: Path = typer.Option(Path(MANIFEST_FILE), "--manifest"),
        labels: Path = typer.Option(Path(LABELS_FILE), "--labels", help="JSONL to append to."),
        out_dir: Path = typer.Option(Path("."), "--out-dir",
                                     help="Where off-chain event files go.")) -> None:
    """Run scenario NAME and append its ground-truth labels to --labels."""
    if name not in SCENARIOS:
        typer.echo(f"unknown scenario {name!r}; try `scenario list`")
        raise typer.Exit(2)
    if rpc is not None:
        found = run_scenario(name, Web3(Web3.HTTPProvider(rpc)), Manifest.load(manifest), seed,
                             out_dir=out_dir, labels_file=labels)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            node, m = start_world(build_world(Path(tmp)))
            try:
                found = run_scenario(name, Web3(Web3.HTTPProvider(node.http_url)), m, seed,
                                     out_dir=out_dir, labels_file=labels)
            finally:
                node.stop()
    for lb in found:
        typer.echo(f"{lb.scenario} {lb.variant}: {len(lb.tx_hashes)} tx, "
                   f"blocks {lb.block_from}-{lb.block_to} -> {labels}")


def register(app: typer.Typer) -> None:
    app.add_typer(world_app, name="world")
    app.add_typer(scenario_app, name="scenario")
