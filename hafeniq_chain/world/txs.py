"""Sending transactions from Anvil's unlocked or auto-impersonated accounts, fast.

The world driver never signs: Anvil accepts ``eth_sendTransaction`` from any address once
``anvil_autoImpersonateAccount`` is on. Batches are sent with automine off and packed into
one block with ``evm_mine``; nonces and gas are given explicitly so that a batch never
depends on estimates against state that earlier transactions of the same batch change.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eth_typing import ChecksumAddress, HexStr
from web3 import Web3
from web3.contract import Contract
from web3.logs import DISCARD
from web3.types import Nonce, TxParams, TxReceipt, Wei

from hafeniq_chain.world.artifacts import load_artifact

DEFAULT_GAS = 600_000


class TxFailed(RuntimeError):
    """A transaction the world needed reverted."""


class Sender:
    """Tracks nonces locally so many transactions can be queued before one block is mined."""

    def __init__(self, w3: Web3) -> None:
        self.w3 = w3
        self._nonces: dict[str, int] = {}
        w3.provider.make_request("anvil_autoImpersonateAccount", [True])  # type: ignore[arg-type]

    def contract(self, artifact: str, address: str) -> Contract:
        """A web3 contract object for a deployed address."""
        return self.w3.eth.contract(address=Web3.to_checksum_address(address),
                                    abi=load_artifact(artifact).abi)

    def next_nonce(self, sender: str) -> int:
        key = sender.lower()
        if key not in self._nonces:
            self._nonces[key] = self.w3.eth.get_transaction_count(
                Web3.to_checksum_address(sender), "pending")
        nonce = self._nonces[key]
        self._nonces[key] = nonce + 1
        return nonce

    def forget_nonces(self) -> None:
        """Drop the nonce cache (after a state load, a revert of a batch, ...)."""
        self._nonces.clear()

    def send(self, sender: str, to: str | None, data: bytes | str = b"", value: int = 0,
             gas: int = DEFAULT_GAS, priority_fee: int | None = None) -> str:
        """Queue one transaction; returns its hash (0x hex)."""
        tx: TxParams = {"from": Web3.to_checksum_address(sender), "value": Wei(value),
                        "gas": gas, "nonce": Nonce(self.next_nonce(sender)),
                        "data": HexStr(data) if isinstance(data, str) else Web3.to_hex(data)}
        if to is not None:
            tx["to"] = Web3.to_checksum_address(to)
        if priority_fee is not None:
            base = self.w3.eth.get_block("pending").get("baseFeePerGas", 0)
            tx["maxPriorityFeePerGas"] = Wei(priority_fee)
            tx["maxFeePerGas"] = Wei(2 * int(base) + priority_fee + 1)
        return self.w3.eth.send_transaction(tx).to_0x_hex()

    def call(self, sender: str, contract: Contract, fn: str, *args: Any, value: int = 0,
             gas: int = DEFAULT_GAS, priority_fee: int | None = None) -> str:
        """Queue a contract call by function name."""
        data = contract.encode_abi(fn, args=list(args))
        return self.send(sender, contract.address, data, value=value, gas=gas,
                         priority_fee=priority_fee)

    def deploy(self, sender: str, artifact: str, *args: Any, gas: int = 8_000_000) -> str:
        """Queue a contract creation from a committed artifact."""
        art = load_artifact(artifact)
        factory = self.w3.eth.contract(abi=art.abi, bytecode=art.bytecode)
        data = factory.constructor(*args).data_in_transaction
        return self.send(sender, None, data, gas=gas)

    def mine(self, blocks: int = 1, timestamp: int | None = None) -> None:
        """Mine queued transactions (optionally at a given block timestamp)."""
        if timestamp is not None:
            self.w3.provider.make_request("evm_setNextBlockTimestamp",  # type: ignore[arg-type]
                                          [timestamp])
        self.w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
        if blocks > 1:
            self.w3.provider.make_request("anvil_mine", [hex(blocks - 1)])  # type: ignore[arg-type]

    def receipts(self, hashes: Sequence[str], *, require_ok: bool = True) -> list[TxReceipt]:
        """Receipts of mined transactions, in order; raises if one reverted and must not."""
        out = []
        for h in hashes:
            r = self.w3.eth.get_transaction_receipt(h)  # type: ignore[arg-type]
            if require_ok and r["status"] != 1:
                raise TxFailed(f"transaction {h} reverted")
            out.append(r)
        return out


def set_automine(w3: Web3, on: bool) -> None:
    """Switch Anvil's automine (off = transactions wait in the mempool until ``mine``)."""
    w3.provider.make_request("evm_setAutomine", [on])  # type: ignore[arg-type]


def checksum(address: str) -> ChecksumAddress:
    return Web3.to_checksum_address(address)


def events(contract: Contract, name: str, receipt: TxReceipt) -> list[Any]:
    """Decoded ``name`` events emitted by ``contract`` in a receipt (other logs ignored)."""
    decoded = contract.events[name]().process_receipt(receipt, errors=DISCARD)
    return [e for e in decoded if e["address"].lower() == contract.address.lower()]
