"""Uniswap V4 and Balancer V2 swaps on Anvil with the protocols' real bytecode (issue 15).

The contracts are the packages' own builds (``contracts-fixtures/protocols.mjs``): V4's
PoolManager with its PoolModifyLiquidityTest / PoolSwapTest routers (they implement the
unlock callback), Balancer's April 2021 Vault, Authorizer and WeightedPool2Tokens factory.
No npm package ships Curve's (Vyper) pool bytecode, so Curve is decoded from its real event
layouts only (``tests/unit/test_decode_log_swaps.py``).
Each test makes a real swap, indexes the whole chain into PostgreSQL through
``BlockIndexer.index`` (node answers -> ``normalize_block`` -> ``swaps_from_logs`` -> the
``swaps`` table) and checks the stored swap against what the transaction did on chain:
token balances before and after.
"""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest
from eth_abi import encode
from eth_utils import keccak
from web3 import Web3
from web3.contract import Contract
from web3.logs import DISCARD

from hafeniq_chain.chain.anvil import AnvilNode
from hafeniq_chain.chain.indexer import BlockIndexer
from hafeniq_chain.chain.rpc import RpcClient
from hafeniq_chain.detect.base import DetectionContext
from hafeniq_chain.detect.mev.arbitrage import ArbitrageDetector
from hafeniq_chain.detect.mev.jit import JitDetector
from tests.support.contracts import artifact, deploy

pytestmark = pytest.mark.integration
E18 = 10**18
MIN_SQRT_PRICE = 4295128739  # TickMath.MIN_SQRT_PRICE: no price limit for zeroForOne
MAX_SQRT_PRICE = 1461446703485210103287273052203988822378723970342  # ... for oneForZero
ZERO = "0x" + "00" * 20


def _tokens(w3: Web3, holder: str) -> tuple[Contract, Contract]:
    """Two V4 MockERC20s minted to ``holder``, in address order (both protocols want that)."""
    a, b = (deploy(w3, "V4MockERC20", name, name, 18) for name in ("TKA", "TKB"))
    for t in (a, b):
        t.functions.mint(holder, 10_000 * E18).transact({"from": holder})
    return (a, b) if int(a.address, 16) < int(b.address, 16) else (b, a)


async def _swaps(anvil: AnvilNode, pool: asyncpg.Pool) -> list[tuple[Any, ...]]:
    """Every swap our indexer stored for the whole chain (blocks indexed in one batch)."""
    rpc = RpcClient([anvil.http_url])
    try:
        head = await rpc.block_number()
        await BlockIndexer(rpc, pool, chain_id=31337).index(list(range(head + 1)), cursor="head")
    finally:
        await rpc.close()
    rows = await pool.fetch(
        "SELECT tx_hash, protocol, pool, sender, recipient, token_in, token_out, amount_in, "
        "amount_out, tx_from FROM swaps ORDER BY block_number, tx_index, position")
    return [tuple(r) for r in rows]


def _tx(w3: Web3, call: Any, sender: str) -> str:
    receipt = w3.eth.wait_for_transaction_receipt(call.transact({"from": sender}))
    assert receipt["status"] == 1
    return "0x" + bytes(receipt["transactionHash"]).hex()


MODIFY = ("modifyLiquidity((address,address,uint24,int24,address),"
          "(int24,int24,int256,bytes32),bytes)")


def _v4(w3: Web3, me: str) -> tuple[Contract, Contract, Contract, Contract, tuple[Any, ...]]:
    """PoolManager, a TKA/TKB pool (0.3 %, price 1) with liquidity in [-600, 600], and the
    package's routers: (t0, t1, liquidity router, swap router, pool key)."""
    t0, t1 = _tokens(w3, me)
    manager = deploy(w3, "V4PoolManager", me)
    liquidity_router = deploy(w3, "V4PoolModifyLiquidityTest", manager.address)
    swap_router = deploy(w3, "V4PoolSwapTest", manager.address)
    for t in (t0, t1):
        for router in (liquidity_router, swap_router):
            t.functions.approve(router.address, 2**256 - 1).transact({"from": me})
    key = (t0.address, t1.address, 3000, 60, ZERO)
    manager.functions.initialize(key, 2**96).transact({"from": me})  # price 1
    add = liquidity_router.get_function_by_signature(MODIFY)
    _tx(w3, add(key, (-600, 600, 1_000 * E18, b"\0" * 32), b""), me)
    return t0, t1, liquidity_router, swap_router, key


def _pool_id(key: tuple[Any, ...]) -> str:
    return "0x" + keccak(encode(["address", "address", "uint24", "int24", "address"],
                                list(key))).hex()


async def test_uniswap_v4_pool_manager_swap_decoded_exactly(anvil: AnvilNode,
                                                            pool: asyncpg.Pool) -> None:
    w3 = Web3(Web3.HTTPProvider(anvil.http_url))
    me = w3.eth.accounts[0]
    t0, t1, _, swap_router, key = _v4(w3, me)

    def swap(zero_for_one: bool, amount_specified: int) -> tuple[str, int, int]:
        """(tx hash, amount paid, amount received) from ``me``'s balances."""
        sold, bought = (t0, t1) if zero_for_one else (t1, t0)
        before = (sold.functions.balanceOf(me).call(), bought.functions.balanceOf(me).call())
        limit = MIN_SQRT_PRICE + 1 if zero_for_one else MAX_SQRT_PRICE - 1
        tx_hash = _tx(w3, swap_router.functions.swap(
            key, (zero_for_one, amount_specified, limit), (False, False), b""), me)
        return (tx_hash, before[0] - sold.functions.balanceOf(me).call(),
                bought.functions.balanceOf(me).call() - before[1])

    exact_in = swap(True, -E18)  # negative amountSpecified: sell exactly 1 TKA
    exact_out = swap(False, 2 * E18)  # positive: buy exactly 2 TKA with TKB
    assert exact_in[1] == E18 and 0 < exact_in[2] < E18  # fee and price impact: a real swap
    assert exact_out[2] == 2 * E18 and exact_out[1] > 2 * E18

    swaps = await _swaps(anvil, pool)
    pool_id = _pool_id(key)
    locker = swap_router.address.lower()  # V4 names the unlocking router as sender
    a, b = t0.address.lower(), t1.address.lower()
    assert swaps == [
        (exact_in[0], "uniswap_v4", pool_id, locker, locker, a, b, exact_in[1], exact_in[2],
         me.lower()),
        (exact_out[0], "uniswap_v4", pool_id, locker, locker, b, a, exact_out[1], exact_out[2],
         me.lower())]


def _balancer(w3: Web3, me: str) -> tuple[Contract, Contract]:
    """The Vault (with its Authorizer and a WETH) and a WeightedPool2Tokens factory."""
    weth = deploy(w3, "WETH9")
    authorizer = deploy(w3, "BalancerAuthorizer", me)
    vault = deploy(w3, "BalancerVault", authorizer.address, weth.address, 0, 0)
    return vault, deploy(w3, "BalancerWeightedPool2TokensFactory", vault.address)


def _weighted_pool(w3: Web3, vault: Contract, factory: Contract, tokens: tuple[Contract, ...],
                   balances: tuple[int, int], me: str) -> tuple[str, bytes]:
    """A 50/50 pool of ``tokens`` joined (INIT) with ``balances``: (address, pool id)."""
    receipt = w3.eth.wait_for_transaction_receipt(factory.functions.create(
        "50TKA-50TKB", "B-50TKA-50TKB", [t.address for t in tokens], [E18 // 2, E18 // 2],
        3 * 10**15, False, me).transact({"from": me}))
    created = factory.events.PoolCreated().process_receipt(receipt, errors=DISCARD)
    pool_address: str = created[0]["args"]["pool"]
    weighted = w3.eth.contract(address=pool_address,
                               abi=artifact("BalancerWeightedPool2Tokens")["abi"])
    pool_id: bytes = weighted.functions.getPoolId().call()
    for t in tokens:
        t.functions.approve(vault.address, 2**256 - 1).transact({"from": me})
    init = encode(["uint256", "uint256[]"], [0, list(balances)])  # JoinKind.INIT
    _tx(w3, vault.functions.joinPool(pool_id, me, me, (
        [t.address for t in tokens], list(balances), init, False)), me)
    return pool_address, pool_id


async def test_balancer_v2_vault_swap_decoded_exactly(anvil: AnvilNode, pool: asyncpg.Pool) -> None:
    w3 = Web3(Web3.HTTPProvider(anvil.http_url))
    me, receiver = w3.eth.accounts[0], w3.eth.accounts[1]
    t0, t1 = _tokens(w3, me)
    vault, factory = _balancer(w3, me)
    pool_address, pool_id = _weighted_pool(w3, vault, factory, (t0, t1),
                                           (1_000 * E18, 1_000 * E18), me)

    # GIVEN_OUT swap selling TKB for TKA, paid by `me`, delivered to `receiver`.
    before = (t1.functions.balanceOf(me).call(), t0.functions.balanceOf(receiver).call())
    tx_hash = _tx(w3, vault.functions.swap(
        (pool_id, 1, t1.address, t0.address, 5 * E18, b""), (me, False, receiver, False),
        10 * E18, 2**255), me)
    paid = before[0] - t1.functions.balanceOf(me).call()
    got = t0.functions.balanceOf(receiver).call() - before[1]
    assert got == 5 * E18 and 5 * E18 < paid < 10 * E18

    swaps = await _swaps(anvil, pool)
    assert swaps == [
        (tx_hash, "balancer_v2", pool_address.lower(), me.lower(), receiver.lower(),
         t1.address.lower(), t0.address.lower(), paid, got, me.lower())]
    assert pool_id[:20] == bytes.fromhex(pool_address[2:])  # the pool is the id's first 20 bytes


async def test_balancer_v2_batch_swap_cycle_is_an_arbitrage(anvil: AnvilNode,
                                                            pool: asyncpg.Pool) -> None:
    """One ``batchSwap`` TKA -> TKB (pool 1, price 1) -> TKA (pool 2, TKB dearer) is a
    2-hop cycle the arbitrage detector reports with its real profit; the near-miss, a
    batch splitting TKA -> TKB across the same two pools, is no cycle and no finding."""
    w3 = Web3(Web3.HTTPProvider(anvil.http_url))
    me = w3.eth.accounts[0]
    t0, t1 = _tokens(w3, me)
    vault, factory = _balancer(w3, me)
    cheap, cheap_id = _weighted_pool(w3, vault, factory, (t0, t1), (1_000 * E18, 1_000 * E18), me)
    dear, dear_id = _weighted_pool(w3, vault, factory, (t0, t1), (1_200 * E18, 1_000 * E18), me)
    funds = (me, False, me, False)
    before = t0.functions.balanceOf(me).call()
    cycle = _tx(w3, vault.functions.batchSwap(
        0, [(cheap_id, 0, 1, 10 * E18, b""), (dear_id, 1, 0, 0, b"")],  # 0: previous output
        [t0.address, t1.address], funds, [10 * E18, 0], 2**255), me)
    profit = t0.functions.balanceOf(me).call() - before
    assert profit > 0
    split = _tx(w3, vault.functions.batchSwap(
        0, [(cheap_id, 0, 1, 5 * E18, b""), (dear_id, 0, 1, 5 * E18, b"")],
        [t0.address, t1.address], funds, [10 * E18, 0], 2**255), me)

    rpc = RpcClient([anvil.http_url])
    try:
        indexer = BlockIndexer(rpc, pool, chain_id=31337)
        blocks = [w3.eth.get_transaction_receipt(h)["blockNumber"] for h in (cycle, split)]
        bundles = await indexer.fetch(blocks)
    finally:
        await rpc.close()
    assert [len(b.swaps) for b in bundles] == [2, 2]
    detector, ctx = ArbitrageDetector(), DetectionContext(31337, pool)
    cycle_findings = await detector.on_block(bundles[0], ctx)
    assert [(f.tx_hashes, f.details["pools"], f.details["profit_token"], f.details["profit"])
            for f in cycle_findings] == [
        ((cycle,), [cheap.lower(), dear.lower()], t0.address.lower(), str(profit))]
    assert await detector.on_block(bundles[1], ctx) == []





def _rpc(w3: Web3, method: str, *params: Any) -> None:
    w3.provider.make_request(method, list(params))  # type: ignore[arg-type]


async def test_uniswap_v4_jit_liquidity_around_a_swap(anvil: AnvilNode,
                                                      pool: asyncpg.Pool) -> None:
    """In one block: a provider adds V4 liquidity, someone swaps, the provider removes it:
    the JIT detector names the pool id and the three transactions. The near-miss, the same
    add and remove with the swap after the removal, is no finding."""
    w3 = Web3(Web3.HTTPProvider(anvil.http_url))
    me, jitter, victim = w3.eth.accounts[0], w3.eth.accounts[3], w3.eth.accounts[4]
    t0, t1, liquidity_router, swap_router, key = _v4(w3, me)
    for who, router in ((jitter, liquidity_router), (victim, swap_router)):
        for t in (t0, t1):
            t.functions.mint(who, 10_000 * E18).transact({"from": me})
            t.functions.approve(router.address, 2**256 - 1).transact({"from": who})
    modify = liquidity_router.get_function_by_signature(MODIFY)
    salt = (1).to_bytes(32, "big")  # the jitter's own position beside the LP's

    def block(order: tuple[str, str, str]) -> dict[str, str]:
        """Mint, swap and burn sent with descending tips so the block holds them in
        ``order``; gas given so nothing is estimated against the unmined state."""
        calls = {
            "mint": (modify(key, (-60, 60, 5_000 * E18, salt), b""), jitter),
            "swap": (swap_router.functions.swap(
                key, (True, -E18, MIN_SQRT_PRICE + 1), (False, False), b""), victim),
            "burn": (modify(key, (-60, 60, -5_000 * E18, salt), b""), jitter)}
        _rpc(w3, "evm_setAutomine", False)
        hashes = {}
        for tip, name in zip((3, 2, 1), order, strict=True):
            call, sender = calls[name]
            hashes[name] = call.transact({"from": sender, "gas": 1_000_000,
                                          "maxPriorityFeePerGas": tip * 10**9,
                                          "maxFeePerGas": 10 * 10**9}).to_0x_hex()
        _rpc(w3, "evm_mine")
        _rpc(w3, "evm_setAutomine", True)
        receipts = [w3.eth.get_transaction_receipt(h) for h in hashes.values()]
        assert [r["status"] for r in receipts] == [1, 1, 1]
        assert [r["transactionIndex"] for r in receipts] == [0, 1, 2]
        assert len({r["blockNumber"] for r in receipts}) == 1
        hashes["block"] = str(receipts[0]["blockNumber"])
        return hashes

    jit, near_miss = block(("mint", "swap", "burn")), block(("mint", "burn", "swap"))
    rpc = RpcClient([anvil.http_url])
    try:
        bundles = await BlockIndexer(rpc, pool, chain_id=31337).fetch(
            [int(jit["block"]), int(near_miss["block"])])
    finally:
        await rpc.close()
    detector, ctx = JitDetector(), DetectionContext(31337, pool)
    findings = await detector.on_block(bundles[0], ctx)
    assert [(f.tx_hashes, f.entities) for f in findings] == [
        ((jit["mint"], jit["swap"], jit["burn"]), (jitter.lower(), _pool_id(key)))]
    assert await detector.on_block(bundles[1], ctx) == []
    assert [s.pool for b in bundles for s in b.swaps] == [_pool_id(key)] * 2
