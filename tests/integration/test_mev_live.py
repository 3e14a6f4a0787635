"""A real sandwich through the real Uniswap V2 Router02 on Anvil, found from logs live."""

from __future__ import annotations

import asyncpg
import httpx
import pytest
from web3 import Web3

from hafeniq_chain.chain.anvil import AnvilNode
from hafeniq_chain.chain.follower import Follower
from hafeniq_chain.chain.indexer import BlockIndexer
from hafeniq_chain.chain.rpc import RpcClient
from hafeniq_chain.core.policy import Policy
from hafeniq_chain.detect.base import DetectionContext
from hafeniq_chain.detect.pipeline import DetectionPipeline
from hafeniq_chain.detect.registry import build_detectors
from hafeniq_chain.fuse.engine import IncidentEngine
from tests.support.contracts import deploy

pytestmark = pytest.mark.integration
E18 = 10**18


def _rpc(node: AnvilNode, method: str, params: list[object]) -> None:
    httpx.post(node.http_url, json={"jsonrpc": "2.0", "id": 1, "method": method,
                                    "params": params}, timeout=10).raise_for_status()


def _sandwich(node: AnvilNode) -> dict[str, str]:
    w3 = Web3(Web3.HTTPProvider(node.http_url))
    lp, attacker, victim = w3.eth.accounts[0], w3.eth.accounts[1], w3.eth.accounts[2]
    weth, token = deploy(w3, "WETH9"), deploy(w3, "WETH9")
    factory = deploy(w3, "UniswapV2Factory", lp)
    router = deploy(w3, "UniswapV2Router02", factory.address, weth.address)
    for who in (lp, attacker, victim):
        for t in (weth, token):
            t.functions.deposit().transact({"from": who, "value": 200 * E18})
            t.functions.approve(router.address, 2**256 - 1).transact({"from": who})
    router.functions.addLiquidity(weth.address, token.address, 100 * E18, 100 * E18, 0, 0, lp,
                                  2**40).transact({"from": lp})
    path = [weth.address, token.address]
    bought = router.functions.getAmountsOut(10 * E18, path).call()[1]
    _rpc(node, "evm_setAutomine", [False])
    fee = {"maxPriorityFeePerGas": 3 * 10**9, "maxFeePerGas": 10 * 10**9}
    front = router.functions.swapExactTokensForTokens(10 * E18, 0, path, attacker, 2**40
                                                      ).transact({"from": attacker, **fee})
    victim_tx = router.functions.swapExactTokensForTokens(
        5 * E18, 0, path, victim, 2**40).transact(
        {"from": victim, "maxPriorityFeePerGas": 2 * 10**9, "maxFeePerGas": 10 * 10**9})
    back = router.functions.swapExactTokensForTokens(bought, 0, path[::-1], attacker, 2**40
                                                     ).transact(
        {"from": attacker, "maxPriorityFeePerGas": 10**9, "maxFeePerGas": 10 * 10**9})
    _rpc(node, "evm_mine", [])
    _rpc(node, "evm_setAutomine", [True])
    pair = factory.functions.getPair(weth.address, token.address).call()
    return {"front": front.to_0x_hex(), "victim": victim_tx.to_0x_hex(),
            "back": back.to_0x_hex(), "attacker": attacker.lower(), "pair": pair.lower()}


async def test_sandwich_found_from_logs_at_the_head(anvil: AnvilNode, pool: asyncpg.Pool
                                                    ) -> None:
    """Front-run, victim, back-run ordered by priority fee in one block."""
    w3 = Web3(Web3.HTTPProvider(anvil.http_url))
    txs = _sandwich(anvil)
    receipts = [w3.eth.get_transaction_receipt(txs[k]) for k in ("front", "victim", "back")]
    assert [r["status"] for r in receipts] == [1, 1, 1]
    assert len({r["blockNumber"] for r in receipts}) == 1
    rpc = RpcClient([anvil.http_url])
    hook = DetectionPipeline(build_detectors(), DetectionContext(31337, pool),
                             sink=IncidentEngine(pool, Policy(), []))
    await Follower(BlockIndexer(rpc, pool, 31337), start_block=0, hooks=[hook]).catch_up()
    await rpc.close()
    swaps = await pool.fetch("SELECT tx_hash, pool, token_in, amount_in FROM swaps "
                             "ORDER BY block_number, tx_index")
    assert [s["tx_hash"] for s in swaps][-3:] == [txs["front"], txs["victim"], txs["back"]]
    assert all(s["pool"] == txs["pair"] for s in swaps[-3:])
    finding = await pool.fetchrow("SELECT * FROM findings WHERE detector = 'sandwich'")
    assert finding["tx_hashes"] == [txs["front"], txs["victim"], txs["back"]]
    assert txs["attacker"] in finding["entities"] and txs["pair"] in finding["entities"]
    assert finding["reason_codes"] == ["SANDWICH_FRONTRUN", "SANDWICH_BACKRUN"]
    assert int(finding["details"]["profit"]) > 0
    incident = await pool.fetchrow("SELECT * FROM incidents")
    assert incident["correlation_key"] == f"entity:{txs['attacker']}"
    assert incident["finding_ids"] == [finding["id"]]
