"""Sending transactions from Anvil's unlocked or auto-impersonated accounts, fast.

The world driver never signs: Anvil accepts ``eth_sendTransaction`` from any address once
``anvil_autoImpersonateAccount`` is on. Requests go as raw JSON-RPC over one HTTP session
(web3.py's middleware costs ~5 ms a call on a busy 2-core box); in batch mode transactions
are posted as JSON-RPC batches and mined together with ``evm_mine``. Nonces and gas are
given explicitly so a batch never depends on estimates against state it changes itself.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from functools import cache
from typing import Any

import httpx
from eth_abi.abi import encode
from eth_typing import ChecksumAddress
from eth_utils.crypto import keccak
from web3 import Web3
from web3.contract import Contract
from web3.logs import DISCARD
from web3.types import TxReceipt

from hafeniq_chain.world.artifacts import load_artifact

DEFAULT_GAS = 600_000
BATCH_CHUNK = 500


class TxFailed(RuntimeError):
    """A transaction the world needed reverted, or Anvil refused a request."""


@cache
def _selector_and_types(signature: str) -> tuple[bytes, list[str]]:
    inner = signature[signature.index("(") + 1 : -1]
    types = [t for t in _split_types(inner)] if inner else []
    return keccak(text=signature)[:4], types


def _split_types(inner: str) -> list[str]:
    out, depth, cur = [], 0, ""
    for ch in inner:
        if ch == "," and depth == 0:
            out.append(cur)
            cur = ""
            continue
        depth += ch == "("
        depth -= ch == ")"
        cur += ch
    return [*out, cur]


def calldata(signature: str, *args: Any) -> bytes:
    """ABI-encode a call, e.g. ``calldata("transfer(address,uint256)", to, 5)``."""
    selector, types = _selector_and_types(signature)
    return selector + encode(types, list(args))


class Sender:
    """Raw JSON-RPC client for the world driver; tracks nonces locally."""

    def __init__(self, w3: Web3) -> None:
        self.w3 = w3
        self.url = str(getattr(w3.provider, "endpoint_uri", ""))
        self.http = httpx.Client(timeout=60.0)
        self._nonces: dict[str, int] = {}
        self._batch: list[dict[str, Any]] | None = None
        self._contracts: dict[tuple[str, str], Contract] = {}
        self.rpc("anvil_autoImpersonateAccount", [True])

    def rpc(self, method: str, params: list[Any]) -> Any:
        reply = self.http.post(self.url, json={"jsonrpc": "2.0", "id": 1, "method": method,
                                               "params": params}).json()
        if "error" in reply:
            raise TxFailed(f"{method}: {reply['error']}")
        return reply["result"]

    def contract(self, artifact: str, address: str) -> Contract:
        """A web3 contract object (for reads and event decoding)."""
        key = (artifact, address.lower())
        if key not in self._contracts:
            self._contracts[key] = self.w3.eth.contract(
                address=Web3.to_checksum_address(address), abi=load_artifact(artifact).abi)
        return self._contracts[key]

    def next_nonce(self, sender: str) -> int:
        key = sender.lower()
        if key not in self._nonces:
            self._nonces[key] = int(self.rpc("eth_getTransactionCount", [key, "pending"]), 16)
        nonce = self._nonces[key]
        self._nonces[key] = nonce + 1
        return nonce

    def start_batch(self) -> None:
        """From now on ``send`` buffers (and returns "") until ``flush``."""
        self._batch = []

    def flush(self) -> list[str]:
        """Post buffered transactions as JSON-RPC batches; their hashes in order."""
        pending, self._batch = self._batch or [], None
        hashes: list[str] = []
        for i in range(0, len(pending), BATCH_CHUNK):
            body = [{"jsonrpc": "2.0", "id": j, "method": "eth_sendTransaction", "params": [tx]}
                    for j, tx in enumerate(pending[i : i + BATCH_CHUNK])]
            replies = sorted(self.http.post(self.url, json=body).json(), key=lambda r: r["id"])
            for r in replies:
                if "error" in r:
                    raise TxFailed(f"eth_sendTransaction: {r['error']}")
                hashes.append(r["result"])
        return hashes

    def send(self, sender: str, to: str | None, data: bytes | str = b"", value: int = 0,
             gas: int = DEFAULT_GAS, priority_fee: int | None = None) -> str:
        """Send (or buffer) one transaction; returns its hash (0x hex), "" when buffered."""
        tx: dict[str, Any] = {"from": sender.lower(), "value": hex(value), "gas": hex(gas),
                              "nonce": hex(self.next_nonce(sender)),
                              "data": data if isinstance(data, str) else "0x" + data.hex()}
        if to is not None:
            tx["to"] = to.lower()
        if priority_fee is not None:
            base = int(self.rpc("eth_getBlockByNumber", ["pending", False])["baseFeePerGas"], 16)
            tx["maxPriorityFeePerGas"] = hex(priority_fee)
            tx["maxFeePerGas"] = hex(2 * base + priority_fee + 1)
        if self._batch is not None:
            self._batch.append(tx)
            return ""
        return str(self.rpc("eth_sendTransaction", [tx]))

    def call(self, sender: str, to: str, signature: str, *args: Any, value: int = 0,
             gas: int = DEFAULT_GAS, priority_fee: int | None = None) -> str:
        """Send a contract call given its signature, e.g. ``"approve(address,uint256)"``."""
        return self.send(sender, to, calldata(signature, *args), value=value, gas=gas,
                         priority_fee=priority_fee)

    def deploy(self, sender: str, artifact: str, *args: Any, gas: int = 8_000_000) -> str:
        """Send a contract creation from a committed artifact."""
        art = load_artifact(artifact)
        factory = self.w3.eth.contract(abi=art.abi, bytecode=art.bytecode)
        return self.send(sender, None, factory.constructor(*args).data_in_transaction, gas=gas)

    def mine(self, blocks: int = 1, timestamp: int | None = None) -> None:
        """Mine pending transactions (optionally at a given block timestamp)."""
        if timestamp is not None:
            self.rpc("evm_setNextBlockTimestamp", [timestamp])
        self.rpc("evm_mine", [])
        if blocks > 1:
            self.rpc("anvil_mine", [hex(blocks - 1)])

    def receipts(self, hashes: Sequence[str], *, require_ok: bool = True) -> list[TxReceipt]:
        """Receipts of mined transactions, in order; raises if one reverted and must not."""
        out = []
        for h in hashes:
            # NOTE: with automine Anvil mines in the background after answering
            # eth_sendTransaction, so a receipt can lag the hash by a few milliseconds.
            r = self.w3.eth.wait_for_transaction_receipt(h, timeout=30,  # type: ignore[arg-type]
                                                         poll_latency=0.01)
            if require_ok and r["status"] != 1:
                raise TxFailed(f"transaction {h} reverted")
            out.append(r)
        return out

    def wait_pooled(self, hashes: Sequence[str], timeout_s: float = 10.0) -> None:
        """Wait until the node's txpool lists every hash as pending (watchers can see them)."""
        wanted = {h.lower() for h in hashes}
        deadline = time.monotonic() + timeout_s
        while True:
            content = self.rpc("txpool_content", [])["pending"]
            pooled = {str(tx["hash"]).lower() for by_nonce in content.values()
                      for tx in by_nonce.values()}
            if wanted <= pooled:
                return
            if time.monotonic() > deadline:
                raise TxFailed(f"not in the txpool after {timeout_s}s: {sorted(wanted - pooled)}")
            time.sleep(0.02)

    def block_statuses(self, block: int) -> list[int]:
        """Status of every transaction in a block (one ``eth_getBlockReceipts`` call)."""
        return [int(r["status"], 16) for r in self.rpc("eth_getBlockReceipts", [hex(block)])]


def set_automine(w3: Web3, on: bool) -> None:
    """Switch Anvil's automine (off = transactions wait in the mempool until ``mine``)."""
    w3.provider.make_request("evm_setAutomine", [on])  # type: ignore[arg-type]


def checksum(address: str) -> ChecksumAddress:
    return Web3.to_checksum_address(address)


def events(contract: Contract, name: str, receipt: TxReceipt) -> list[Any]:
    """Decoded ``name`` events emitted by ``contract`` in a receipt (other logs ignored)."""
    decoded = contract.events[name]().process_receipt(receipt, errors=DISCARD)
    return [e for e in decoded if e["address"].lower() == contract.address.lower()]
