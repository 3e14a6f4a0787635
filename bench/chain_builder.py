"""Build a busy local chain for throughput benchmarks (~100 txs and ~200 logs per block).

Two thirds of the transactions are WETH9 transfers (1 log), one third are Uniswap V2
router swaps (Transfer, Transfer, Sync, Swap = 4 logs). Transactions go in as JSON-RPC
batches with mining paused, then one ``evm_mine`` seals each block. The state is dumped
so later runs load it in seconds.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from web3 import Web3

ARTIFACTS = Path(__file__).resolve().parents[1] / "contracts-fixtures" / "artifacts"
SENDERS = 100


def _artifact(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((ARTIFACTS / f"{name}.json").read_text())
    return data


@dataclass
class BuiltChain:
    """What a benchmark needs to know about the generated chain."""

    first_block: int
    last_block: int
    transactions: int
    seconds: float


def _rpc_batch(url: str, calls: list[tuple[str, list[Any]]]) -> list[Any]:
    body = [{"jsonrpc": "2.0", "id": i, "method": m, "params": p}
            for i, (m, p) in enumerate(calls)]
    answers = httpx.post(url, json=body, timeout=120).json()
    errors = [a["error"] for a in answers if "error" in a]
    if errors:
        raise RuntimeError(f"{len(errors)} RPC errors, first: {errors[0]}")
    return [a["result"] for a in sorted(answers, key=lambda a: a["id"])]


def _deploy(w3: Web3, name: str, *args: Any) -> Any:
    art = _artifact(name)
    tx = w3.eth.contract(abi=art["abi"], bytecode=art["bytecode"]).constructor(*args).transact(
        {"from": w3.eth.accounts[0]})
    address = w3.eth.wait_for_transaction_receipt(tx)["contractAddress"]
    return w3.eth.contract(address=address, abi=art["abi"])


def _setup(w3: Web3) -> tuple[Any, Any, Any]:
    """WETH + a second token, a funded pair, every sender funded and approved."""
    weth, token = _deploy(w3, "WETH9"), _deploy(w3, "WETH9")
    factory = _deploy(w3, "UniswapV2Factory", w3.eth.accounts[0])
    router = _deploy(w3, "UniswapV2Router02", factory.address, weth.address)
    senders = w3.eth.accounts[:SENDERS]
    for who in senders:
        for t in (weth, token):
            t.functions.deposit().transact({"from": who, "value": 50 * 10**18})
            t.functions.approve(router.address, 2**256 - 1).transact({"from": who})
    router.functions.addLiquidity(weth.address, token.address, 10**19, 10**19, 0, 0,
                                  senders[0], 2**40).transact({"from": senders[0]})
    return weth, token, router


def build_chain(url: str, blocks: int, txs_per_block: int = 100) -> BuiltChain:
    """Mine ``blocks`` busy blocks on the (automining) Anvil at ``url``."""
    w3 = Web3(Web3.HTTPProvider(url))
    weth, token, router = _setup(w3)
    senders = w3.eth.accounts[:SENDERS]
    transfer = weth.encode_abi("transfer", args=[senders[1], 1000])
    path = [weth.address, token.address]
    _rpc_batch(url, [("evm_setAutomine", [False])])
    first = w3.eth.block_number + 1
    started = time.perf_counter()
    for b in range(blocks):
        calls: list[tuple[str, list[Any]]] = []
        for i in range(txs_per_block):
            who = senders[i % SENDERS]
            if i % 3 == 0:
                data = router.encode_abi("swapExactTokensForTokens", args=[
                    10**12 + b, 0, path if b % 2 == 0 else path[::-1], who, 2**40])
                to = router.address
            else:
                data, to = transfer, weth.address
            calls.append(("eth_sendTransaction", [{"from": who, "to": to, "data": data,
                                                   "gas": hex(200_000)}]))
        _rpc_batch(url, calls)
        _rpc_batch(url, [("evm_mine", [])])
    _rpc_batch(url, [("evm_setAutomine", [True])])
    return BuiltChain(first, w3.eth.block_number, blocks * txs_per_block,
                      time.perf_counter() - started)
