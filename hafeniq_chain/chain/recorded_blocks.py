"""Recorded JSON-RPC answers for one block each, as served by ``recorded_node``.

The on-disk format is the one of ``../shared/data/real-rpc/blocks/<number>.json``:
``{"block": <eth_getBlockByNumber(n, true)>, "receipts": [...], "traces": <trace_block>
| null, "call_traces": <debug_traceBlockByNumber callTracer> | null, "codes": {addr: hex}
(optional)}``. Loading checks what a node would guarantee (receipts in transaction order,
one per transaction) so a broken recording fails at load, with its file name, not later
as a puzzling follower error.

``contiguous`` turns a few real blocks into a longer chain of consecutive numbers (each
block re-numbered and re-hashed, its transactions re-hashed, contents kept): benchmarks
and follower tests need a chain with no gaps, and the real recordings are years apart.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

Json = dict[str, Any]


class RecordingError(ValueError):
    """A recorded block file that no node could have answered."""


@dataclass(frozen=True)
class RecordedBlock:
    """One block's recorded answers (raw JSON-RPC dicts, hex strings)."""

    block: Json
    receipts: list[Json]
    traces: list[Json] | None = None
    call_traces: list[Json] | None = None
    codes: dict[str, str] = field(default_factory=dict)

    @property
    def number(self) -> int:
        return int(self.block["number"], 16)

    @property
    def hash(self) -> str:
        return str(self.block["hash"]).lower()

    @classmethod
    def from_json(cls, data: Json, *, name: str = "<recording>") -> RecordedBlock:
        """Validate and wrap one recording (see the module docstring for the format)."""
        block = data.get("block")
        if not isinstance(block, dict) or "number" not in block or "hash" not in block:
            raise RecordingError(f"{name}: no block with number and hash")
        txs = block.get("transactions") or []
        if any(not isinstance(tx, dict) for tx in txs):
            raise RecordingError(f"{name}: block must hold full transactions")
        receipts = data.get("receipts") or []
        if [r.get("transactionHash") for r in receipts] != [tx["hash"] for tx in txs]:
            raise RecordingError(f"{name}: receipts do not match the block's transactions")
        return cls(block=block, receipts=list(receipts), traces=data.get("traces"),
                   call_traces=data.get("call_traces"),
                   codes={a.lower(): c for a, c in (data.get("codes") or {}).items()})

    def to_json(self) -> Json:
        return {"block": self.block, "receipts": self.receipts, "traces": self.traces,
                "call_traces": self.call_traces, "codes": self.codes}


def load_dir(path: Path | str) -> list[RecordedBlock]:
    """Every ``*.json`` recording in ``path``, ordered by block number."""
    files = sorted(Path(path).glob("*.json"))
    if not files:
        raise RecordingError(f"{path}: no recorded block files (*.json)")
    blocks = [RecordedBlock.from_json(orjson.loads(f.read_bytes()), name=str(f)) for f in files]
    blocks.sort(key=lambda b: b.number)
    numbers = [b.number for b in blocks]
    if len(set(numbers)) != len(numbers):
        raise RecordingError(f"{path}: two recordings of one block number")
    return blocks


def _fake_hash(*parts: object) -> str:
    """A deterministic 32-byte hash for re-numbered blocks and transactions."""
    return "0x" + hashlib.blake2b(repr(parts).encode(), digest_size=32).hexdigest()


_HASH_KEYS = {"hash", "blockHash", "parentHash", "transactionHash", "block_hash",
              "transaction_hash", "txHash"}
_NUMBER_KEYS = {"blockNumber", "block_number"}


def _rewrite(value: Any, hashes: dict[str, str], number: int, timestamp: int) -> Any:
    """A deep copy of ``value`` with known hashes renamed, block numbers and timestamps
    replaced."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if key in _HASH_KEYS and isinstance(item, str):
                out[key] = hashes.get(item.lower(), item)
            elif key in _NUMBER_KEYS and item is not None:
                out[key] = number if isinstance(item, int) else hex(number)
            elif key == "blockTimestamp" and item is not None:
                out[key] = hex(timestamp)
            else:
                out[key] = _rewrite(item, hashes, number, timestamp)
        return out
    if isinstance(value, list):
        return [_rewrite(item, hashes, number, timestamp) for item in value]
    return value


def renumbered(block: RecordedBlock, number: int, parent_hash: str, *,
               timestamp: int | None = None, salt: str = "") -> RecordedBlock:
    """``block`` as block ``number`` whose parent is ``parent_hash`` (and at ``timestamp``);
    new block and tx hashes (so a transaction never appears twice in one chain), every
    other field kept."""
    ts = int(block.block["timestamp"], 16) if timestamp is None else timestamp
    new_hash = _fake_hash("block", block.hash, number, salt)
    hashes = {block.hash: new_hash}
    hashes.update({tx["hash"].lower(): _fake_hash("tx", tx["hash"], number, salt)
                   for tx in block.block.get("transactions") or []})
    body: Json = _rewrite(block.block, hashes, number, ts)
    body.update(number=hex(number), hash=new_hash, parentHash=parent_hash, timestamp=hex(ts))
    return RecordedBlock(block=body, receipts=_rewrite(block.receipts, hashes, number, ts),
                         traces=_rewrite(block.traces, hashes, number, ts),
                         call_traces=_rewrite(block.call_traces, hashes, number, ts),
                         codes=dict(block.codes))


def contiguous(blocks: Sequence[RecordedBlock], start: int, count: int | None = None,
               *, parent_hash: str = "0x" + "00" * 32, first_timestamp: int = 1_700_000_000,
               block_time_s: int = 12, salt: str = "") -> list[RecordedBlock]:
    """``count`` consecutive blocks from ``start`` whose contents cycle through ``blocks``
    (default: each once), parent hashes chained, timestamps ``block_time_s`` apart (the
    recordings are years apart); ``salt`` makes a different branch (for reorgs)."""
    if not blocks:
        raise RecordingError("contiguous() needs at least one recorded block")
    out: list[RecordedBlock] = []
    for i in range(len(blocks) if count is None else count):
        block = renumbered(blocks[i % len(blocks)], start + i, parent_hash,
                           timestamp=first_timestamp + i * block_time_s, salt=salt)
        parent_hash = block.hash
        out.append(block)
    return out


def transaction_count(blocks: Iterable[RecordedBlock]) -> int:
    return sum(len(b.block.get("transactions") or []) for b in blocks)
