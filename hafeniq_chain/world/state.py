"""Dump a deployed world to disk and start Anvil nodes from it in ~0.1 s.

Deploying takes a second or two and dozens of transactions; tests and the CLI instead deploy
once, let Anvil write ``--dump-state`` on exit, and start fresh nodes with ``--load-state``.
A world directory holds ``anvil-state.json`` and ``world-manifest.json``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from web3 import Web3

from hafeniq_chain.chain.anvil import AnvilNode, AnvilOptions
from hafeniq_chain.world.deploy import deploy_world
from hafeniq_chain.world.manifest import MANIFEST_FILE, Manifest

STATE_FILE = "anvil-state.json"
WORLD_CHAIN_ID = 31337
# NOTE: a high block gas limit lets the traffic driver pack ~100 transactions per block.
WORLD_GAS_LIMIT = 1_000_000_000


@dataclass(frozen=True)
class WorldFiles:
    """Where a dumped world lives."""

    directory: Path

    @property
    def state(self) -> Path:
        return self.directory / STATE_FILE

    @property
    def manifest(self) -> Path:
        return self.directory / MANIFEST_FILE


def world_options(**overrides: object) -> AnvilOptions:
    """Anvil options every world node shares (same chain id and gas limit)."""
    opts = AnvilOptions(chain_id=WORLD_CHAIN_ID, gas_limit=WORLD_GAS_LIMIT, accounts=10,
                        balance_eth=1_000_000)
    for key, value in overrides.items():
        setattr(opts, key, value)
    return opts


def build_world(directory: Path) -> WorldFiles:
    """Deploy on a throw-away Anvil that dumps its state to ``directory`` when stopped."""
    directory.mkdir(parents=True, exist_ok=True)
    files = WorldFiles(directory)
    node = AnvilNode(world_options(dump_state=files.state)).start()
    try:
        manifest = deploy_world(Web3(Web3.HTTPProvider(node.http_url)))
        manifest.save(files.manifest)
    finally:
        node.stop()  # SIGTERM: Anvil writes the state file
    if not files.state.exists():
        raise RuntimeError(f"anvil did not write {files.state}")
    return files


def start_world(files: WorldFiles, **overrides: object) -> tuple[AnvilNode, Manifest]:
    """A new Anvil with the dumped world loaded; the caller stops it."""
    node = AnvilNode(world_options(load_state=files.state, **overrides)).start()
    return node, Manifest.load(files.manifest)
