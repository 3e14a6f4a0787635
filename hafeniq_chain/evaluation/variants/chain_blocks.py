"""A small block builder for generated cases: transactions, transfers and raw logs.

Logs carry real event signatures encoded with eth-abi, so detectors that read raw topics
(bridge events, pool events) see exactly what a node would return.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from eth_abi.abi import encode
from eth_utils.crypto import keccak

from hafeniq_chain.decode.records import BlockBundle, LogRecord, TransferRecord, TxRecord

DEPOSIT = "Deposit(address,address,uint256,uint256,address,uint256)"
WITHDRAWAL = "Withdrawal(address,address,uint256,uint256,bytes32)"


def topic(signature: str) -> str:
    return "0x" + keccak(text=signature).hex()


def word(typ: str, value: object) -> str:
    return "0x" + encode([typ], [value]).hex()


@dataclass
class Chain:
    """Blocks in order; ``block(gap_s)`` opens the next one ``gap_s`` seconds later."""

    number: int = 1
    timestamp: int = 1_700_000_000
    blocks: list[BlockBundle] = field(default_factory=list)

    def block(self, gap_s: int = 12) -> BlockBundle:
        if self.blocks:
            self.number += max(1, gap_s // 12)
            self.timestamp += gap_s
        b = BlockBundle(1, self.number, f"0x{self.number:064x}", "0x0", self.timestamp)
        self.blocks.append(b)
        return b

    @property
    def head(self) -> BlockBundle:
        return self.blocks[-1] if self.blocks else self.block()

    def tx(self, sender: str, to: str, data: bytes = b"", value: int = 0,
           nonce: int | None = 5) -> str:
        b = self.head
        h = f"0x{b.number:032x}{len(b.transactions):032x}"
        b.transactions.append(TxRecord(h, b.number, len(b.transactions), sender, to, value,
                                       data, nonce=nonce, status=1))
        return h

    def _index(self, h: str) -> int:
        return int(h[-32:], 16)

    def transfer(self, h: str, token: str, src: str, dst: str, amount: int) -> None:
        b = self.head
        b.transfers.append(TransferRecord(b.number, h, self._index(h),
                                          f"log:{len(b.logs) + len(b.transfers):04d}", token,
                                          src, dst, amount))

    def log(self, h: str, address: str, signature: str, topics: Sequence[str] = (),
            data: bytes = b"") -> None:
        b = self.head
        b.logs.append(LogRecord(b.number, len(b.logs), h, self._index(h), address,
                                (topic(signature), *topics), data))

    def deposit(self, bridge: str, token: str, sender: str, amount: int,
                events: bool = True, recipient: str | None = None) -> str:
        h = self.tx(sender, bridge)
        self.transfer(h, token, sender, bridge, amount)
        if events:
            self.log(h, bridge, DEPOSIT, [word("address", token), word("address", sender)],
                     encode(["uint256", "uint256", "address", "uint256"],
                            [amount, 56, recipient or sender, 1]))
        return h

    def release(self, bridge: str, token: str, relayer: str, recipient: str,
                amount: int) -> str:
        h = self.tx(relayer, bridge)
        self.transfer(h, token, bridge, recipient, amount)
        self.log(h, bridge, WITHDRAWAL, [word("address", token), word("address", recipient)],
                 encode(["uint256", "uint256", "bytes32"], [amount, 10, b"\x01" * 32]))
        return h
