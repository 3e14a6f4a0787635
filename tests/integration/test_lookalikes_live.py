"""The issue-16 look-alikes on the live world, through the real daemon: silence, while a
voting ring run in the same world is still found (so the silence is not a dead pipeline)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg
import pytest
from web3 import Web3

from hafeniq_chain.chain.anvil import AnvilNode
from hafeniq_chain.config import Settings
from hafeniq_chain.daemon import Daemon
from hafeniq_chain.evaluation.world_run import _wait_indexed
from hafeniq_chain.world.actions import World
from hafeniq_chain.world.manifest import Manifest
from hafeniq_chain.world.scenarios import ScenarioContext, run_scenario
from hafeniq_chain.world.scenarios.lookalikes import matched_release, popular_proposal
from hafeniq_chain.world.txs import Sender

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]
MINE = ["bridge_drain", "copycat_wave", "fund_tracing", "liquidity_rug", "voting_ring"]


async def test_popular_vote_and_matched_release_raise_nothing(
        pool: asyncpg.Pool, world: tuple[AnvilNode, Manifest], tmp_path: Path) -> None:
    node, manifest = world
    settings = Settings()
    daemon = Daemon(settings.model_copy(update={
        "chain": settings.chain.model_copy(update={"rpc_urls": [node.ws_url],
                                                   "poll_interval_s": 0.2}),
        "api": settings.api.model_copy(update={"enabled": False})}), pool, start_block=0)
    task = asyncio.create_task(daemon.run())
    w3 = Web3(Web3.HTTPProvider(node.http_url))
    s = Sender(w3)
    try:
        quiet = []
        for fn in (popular_proposal, matched_release):
            ctx = ScenarioContext(w3, s, World(s, manifest), manifest, tmp_path, 7, fn.__name__)
            quiet += await asyncio.to_thread(fn, ctx)
        await _wait_indexed(pool, w3.eth.block_number)
        await asyncio.sleep(1.0)
        rows = await pool.fetch("SELECT detector, severity, summary FROM findings "
                                "WHERE detector = ANY($1::text[])", MINE)
        assert [dict(r) for r in rows] == []
        ring = await asyncio.to_thread(run_scenario, "voting_ring", w3, manifest, 7,
                                       out_dir=tmp_path)
        await _wait_indexed(pool, w3.eth.block_number)
        await asyncio.sleep(1.0)
    finally:
        daemon.stop.set()
        await task
    found = await pool.fetch("SELECT entities, severity FROM findings WHERE detector = "
                             "'voting_ring'")
    assert any(ring[0].details["funder"] in r["entities"] for r in found)
    assert len(quiet) == 2 and all(lb.tx_hashes for lb in quiet)
