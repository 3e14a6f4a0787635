"""The pipelined follower stores and finds exactly what the one-step-at-a-time follower does.

Both follow the same real Anvil world (seeded benign traffic, a sandwich and a voting ring,
whose detector reads the store) into two fresh databases with every detector and the
incident engine behind them. While the pipelined follower is still catching up (batches
fetched ahead, the writer a batch ahead of detection), one of its own detection hooks
makes Anvil reorg the attack blocks away (``anvil_reorg``): it must repair like the
sequential follower, and both must end with the same rows, the same findings and the
same retractions.
"""

from __future__ import annotations

from pathlib import Path

import asyncpg
import httpx
import pytest
from web3 import Web3

from hafeniq_chain.chain.anvil import AnvilNode
from hafeniq_chain.chain.follower import Follower
from hafeniq_chain.chain.indexer import BlockIndexer
from hafeniq_chain.chain.rpc import RpcClient
from hafeniq_chain.config import Settings
from hafeniq_chain.decode.records import BlockBundle
from hafeniq_chain.detect.pipeline import build_pipeline
from hafeniq_chain.fuse.engine import IncidentEngine
from hafeniq_chain.world.manifest import Manifest
from hafeniq_chain.world.scenarios import run_scenario
from hafeniq_chain.world.traffic import run_benign
from tests.integration.test_backfill_matches_follower import TABLES, _table, second_pool

pytestmark = pytest.mark.integration
__all__ = ["second_pool"]  # the fixture, imported to be used here

FINDING_COLUMNS = ("detector, kind, dedup_key, block_from, block_to, score, severity, status, "
                   "reason_codes")


def follower(node: AnvilNode, pool: asyncpg.Pool, *, ahead: int,
             extra_hook: object = None) -> Follower:
    settings = Settings()
    detection = build_pipeline(settings.detection(), 31337, pool,
                               sink=IncidentEngine(pool, settings.policy, []))
    hooks = [detection] + ([extra_hook] if extra_hook else [])
    indexer = BlockIndexer(RpcClient([node.http_url]), pool, 31337)
    return Follower(indexer, start_block=0, batch_size=3, ahead=ahead,
                    hooks=hooks)  # type: ignore[list-item]


async def findings(pool: asyncpg.Pool) -> list[asyncpg.Record]:
    return await pool.fetch(f"SELECT {FINDING_COLUMNS} FROM findings "
                            "ORDER BY block_from, detector, dedup_key")


def rpc(node: AnvilNode, method: str, params: list[object]) -> object:
    answer = httpx.post(node.http_url, json={"jsonrpc": "2.0", "id": 1, "method": method,
                                             "params": params}, timeout=10).json()
    assert "error" not in answer, answer
    return answer["result"]


def reorg(node: AnvilNode, w3: Web3, depth: int, value: int) -> None:
    """Replace the last ``depth`` blocks by a branch with one marked transfer, then grow it."""
    rpc(node, "anvil_reorg", [depth, [[{"from": w3.eth.accounts[8], "to": w3.eth.accounts[9],
                                        "value": hex(value)}, 0]]])
    rpc(node, "anvil_mine", ["0x2"])


async def assert_same(pool: asyncpg.Pool, other: asyncpg.Pool) -> list[asyncpg.Record]:
    for table in TABLES:
        assert await _table(other, table) == await _table(pool, table), table
    found = await findings(pool)
    assert await findings(other) == found
    return found


async def test_pipelined_equals_sequential_across_reorgs(
        world: tuple[AnvilNode, Manifest], pool: asyncpg.Pool,
        second_pool: asyncpg.Pool, tmp_path: Path) -> None:
    node, manifest = world
    w3 = Web3(Web3.HTTPProvider(node.http_url))
    run_benign(w3, manifest, seed=7, n_tx=150, hours=1, n_wallets=30, per_block=30)
    attack_from = w3.eth.block_number + 1
    run_scenario("voting_ring", w3, manifest, seed=1, out_dir=tmp_path)
    run_scenario("sandwich", w3, manifest, seed=1, out_dir=tmp_path)
    attack_to = w3.eth.block_number
    rpc(node, "anvil_mine", ["0xc"])  # an empty tail the first reorg replaces
    head = w3.eth.block_number

    sequential = follower(node, pool, ahead=0)
    pipelined_hooked: list[int] = []

    async def reorg_while_catching_up(bundle: BlockBundle) -> None:
        # NOTE: runs in the pipelined follower's detection stage, the writer a batch ahead
        # and more batches fetched: the tail it has not stored yet changes under it.
        if bundle.number == attack_to + 1 and not pipelined_hooked:
            reorg(node, w3, head - attack_to - 2, 777)
            pipelined_hooked.append(bundle.number)

    pipelined = follower(node, second_pool, ahead=2, extra_hook=reorg_while_catching_up)
    assert await sequential.catch_up() == head + 1
    await pipelined.catch_up()
    assert pipelined_hooked
    await pipelined.catch_up()
    await sequential.catch_up()  # the sequential follower repairs the same reorg
    found = await assert_same(pool, second_pool)
    assert {f["detector"] for f in found} >= {"sandwich", "voting_ring"}, found
    assert await second_pool.fetchval("SELECT count(*) FROM transactions "
                                      "WHERE value = 777") == 1

    # a second reorg takes the attack blocks away: their findings are retracted alike
    reorg(node, w3, w3.eth.block_number - attack_from + 1, 778)
    await sequential.catch_up()
    await pipelined.catch_up()
    found = await assert_same(pool, second_pool)
    retracted = [f for f in found if f["status"] == "retracted"]
    assert retracted and all(f["block_to"] >= attack_from for f in retracted)
    new_head = w3.eth.block_number
    for p in (pool, second_pool):
        assert await p.fetchval("SELECT block_number FROM cursors WHERE name = 'head'") == \
            new_head
        assert await p.fetchval("SELECT count(*) FROM transactions WHERE value = 778") == 1
    for f in (sequential, pipelined):
        f.close()
        await f.indexer.rpc.close()
