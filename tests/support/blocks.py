"""Plain-data blocks for detector unit tests: transactions, transfers and raw logs.

Logs are encoded with eth-abi from real event signatures, exactly as a node returns them,
so detectors that read raw topics see what they would see live.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field

from eth_abi import encode
from eth_utils import keccak

from hafeniq_chain.core.finding import Finding
from hafeniq_chain.decode.records import BlockBundle, LogRecord, TransferRecord, TxRecord
from hafeniq_chain.detect.base import DetectionContext, Detector


def addr(n: int) -> str:
    return f"0x{n:040x}"


def tx_hash(block: int, i: int) -> str:
    return f"0x{block:032x}{i:032x}"


def topic(signature: str) -> str:
    return "0x" + keccak(text=signature).hex()


def word(typ: str, value: object) -> str:
    return "0x" + encode([typ], [value]).hex()


@dataclass
class BlockBuilder:
    """Collects one block's records; ``tx`` returns the hash of the next transaction."""

    number: int
    timestamp: int
    txs: list[TxRecord] = field(default_factory=list)
    logs: list[LogRecord] = field(default_factory=list)
    transfers: list[TransferRecord] = field(default_factory=list)

    def tx(self, sender: str, to: str, data: bytes = b"", value: int = 0,
           nonce: int | None = 5) -> str:
        h = tx_hash(self.number, len(self.txs))
        self.txs.append(TxRecord(h, self.number, len(self.txs), sender, to, value, data,
                                 nonce=nonce, status=1))
        return h

    def _index(self, h: str) -> int:
        return next((t.tx_index for t in self.txs if t.hash == h), int(h[-32:], 16))

    def transfer(self, h: str, token: str, src: str, dst: str, amount: int) -> None:
        self.transfers.append(TransferRecord(self.number, h, self._index(h),
                                             f"log:{len(self.logs) + len(self.transfers):04d}",
                                             token, src, dst, amount))

    def log(self, h: str, address: str, signature: str, topics: Sequence[str] = (),
            data: bytes = b"") -> None:
        self.logs.append(LogRecord(self.number, len(self.logs), h, self._index(h), address,
                                   (topic(signature), *topics), data))

    def bundle(self) -> BlockBundle:
        return BlockBundle(chain_id=1, number=self.number, hash=f"0x{self.number:064x}",
                           parent_hash="0x0", timestamp=self.timestamp,
                           transactions=self.txs, logs=self.logs, transfers=self.transfers)


def run_blocks(detectors: Sequence[Detector], blocks: Sequence[BlockBundle],
               ctx: DetectionContext | None = None) -> list[Finding]:
    """Every finding of ``detectors`` (in order, one shared context) over ``blocks``."""
    context = ctx or DetectionContext(chain_id=1)

    async def run() -> list[Finding]:
        out: list[Finding] = []
        for block in blocks:
            for detector in detectors:
                out += await detector.on_block(block, context)
        return out

    return asyncio.run(run())
