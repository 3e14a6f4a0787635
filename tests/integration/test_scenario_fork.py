"""Fork path: a second Anvil forked from the world node runs a scenario; the origin is
untouched and the forked node serves the world's pre-fork contracts."""

from __future__ import annotations

from pathlib import Path

from web3 import Web3

from hafeniq_chain.chain.anvil import AnvilNode
from hafeniq_chain.world.manifest import Manifest
from hafeniq_chain.world.scenarios import run_scenario
from hafeniq_chain.world.state import world_options


def test_scenario_runs_on_a_fork(world: tuple[AnvilNode, Manifest], tmp_path: Path) -> None:
    origin, manifest = world
    origin_w3 = Web3(Web3.HTTPProvider(origin.http_url))
    fork_block = origin_w3.eth.block_number
    with AnvilNode(world_options(fork_url=origin.http_url)) as fork:
        w3 = Web3(Web3.HTTPProvider(fork.http_url))
        assert w3.eth.chain_id == manifest.chain_id
        labels = run_scenario("bridge_drain", w3, manifest, seed=2, out_dir=tmp_path)
        lb = labels[0]
        assert lb.block_from > fork_block
        receipt = w3.eth.get_transaction_receipt(lb.tx_hashes[0])  # type: ignore[arg-type]
        assert receipt["status"] == 1
    assert origin_w3.eth.block_number == fork_block  # the origin did not move
