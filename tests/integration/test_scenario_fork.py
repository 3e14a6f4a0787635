"""Fork path: a second Anvil forked from the world node runs a scenario; the origin is
untouched and the forked node serves the world's pre-fork contracts."""

from __future__ import annotations

from pathlib import Path

import asyncpg
from web3 import Web3

from hafeniq_chain.chain.anvil import AnvilNode
from hafeniq_chain.chain.follower import Follower
from hafeniq_chain.chain.indexer import BlockIndexer
from hafeniq_chain.chain.rpc import RpcClient
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


async def test_indexer_follows_the_fork(world: tuple[AnvilNode, Manifest], pool: asyncpg.Pool,
                                        tmp_path: Path) -> None:
    """The follower indexes a fork from its fork point, attack included, like any chain."""
    origin, manifest = world
    fork_block = Web3(Web3.HTTPProvider(origin.http_url)).eth.block_number
    with AnvilNode(world_options(fork_url=origin.http_url)) as fork:
        w3 = Web3(Web3.HTTPProvider(fork.http_url))
        labels = run_scenario("bridge_drain", w3, manifest, seed=3, out_dir=tmp_path)
        rpc = RpcClient([fork.http_url])
        indexer = BlockIndexer(rpc, pool, manifest.chain_id)
        await Follower(indexer, start_block=fork_block + 1).catch_up()
        await rpc.close()
        head = w3.eth.block_number
    numbers = [r["number"] for r in await pool.fetch("SELECT number FROM blocks ORDER BY 1")]
    assert numbers == list(range(fork_block + 1, head + 1))
    stored = {r["hash"] for r in await pool.fetch("SELECT hash FROM transactions")}
    assert set(labels[0].tx_hashes) <= stored
