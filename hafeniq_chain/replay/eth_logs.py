"""Recorded-log replay input in the standard ``eth_getLogs`` shape.

Why: public incident data (e.g. the Nomad exploit) is usually available as raw
event logs, not full blocks. Accepting the JSON-RPC log shape lets the same
detectors run on such recordings without a node.

Input: a JSON array or JSONL of objects with ``address``, ``topics``, ``data``,
``blockNumber``, ``transactionHash``, ``transactionIndex``, ``logIndex`` and
optional ``blockHash`` / ``blockTimestamp`` (hex quantities or ints). Logs are
grouped by block (in file order of blocks sorted ascending) into
``BlockBundle``s with ``source='replay'``. Bad records are counted and logged,
never fatal.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from hafeniq_chain.decode.records import BlockBundle, LogRecord
from hafeniq_chain.log import get_logger

log = get_logger(__name__)

_REQUIRED = ("address", "topics", "blockNumber", "transactionHash", "logIndex")


def _qty(value: Any) -> int:
    """Parse a JSON-RPC quantity given as hex string, decimal string or int."""
    if isinstance(value, bool):
        raise ValueError("bool is not a quantity")
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        return int(value, 16) if value.lower().startswith("0x") else int(value)
    raise ValueError(f"not a quantity: {value!r}")


def _load(path: Path) -> list[Any]:
    text = path.read_text(encoding="utf-8").strip()
    if text.startswith("["):
        data = json.loads(text)
        return data if isinstance(data, list) else []
    items: list[Any] = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        try:
            items.append(json.loads(line))
        except json.JSONDecodeError:
            items.append(None)
    return items


def looks_like_eth_logs(path: Path) -> bool:
    """True if the first record of the file has the eth_getLogs keys."""
    try:
        items = _load(Path(path))
    except (OSError, ValueError):
        return False
    first = next((i for i in items if i is not None), None)
    return isinstance(first, dict) and all(k in first for k in _REQUIRED)


def _to_log(obj: Any) -> tuple[LogRecord, str | None, int | None]:
    if not isinstance(obj, dict):
        raise ValueError("record is not an object")
    topics = tuple(str(t).lower() for t in obj["topics"])
    data_hex = str(obj.get("data") or "0x")
    rec = LogRecord(
        block_number=_qty(obj["blockNumber"]),
        log_index=_qty(obj["logIndex"]),
        tx_hash=str(obj["transactionHash"]).lower(),
        tx_index=_qty(obj.get("transactionIndex", 0)),
        address=str(obj["address"]).lower(),
        topics=topics,
        data=bytes.fromhex(data_hex[2:] if data_hex.startswith("0x") else data_hex),
    )
    bh = obj.get("blockHash")
    ts = obj.get("blockTimestamp")
    return rec, (str(bh).lower() if bh else None), (_qty(ts) if ts is not None else None)


def read_eth_logs(path: Path, chain_id: int = 1) -> Iterator[BlockBundle]:
    """Yield one BlockBundle per block, ascending, logs ordered by (tx_index, log_index)."""
    blocks: dict[int, BlockBundle] = {}
    seen: set[tuple[int, int]] = set()
    skipped = duplicates = 0
    for obj in _load(Path(path)):
        try:
            rec, bh, ts = _to_log(obj)
        except (KeyError, ValueError, TypeError) as exc:
            skipped += 1
            log.warning("replay.eth_logs.skip", error=str(exc))
            continue
        if (rec.block_number, rec.log_index) in seen:  # a log exists once per position
            duplicates += 1
            log.warning("replay.eth_logs.duplicate", block=rec.block_number,
                        log_index=rec.log_index, tx=rec.tx_hash)
            continue
        seen.add((rec.block_number, rec.log_index))
        bundle = blocks.get(rec.block_number)
        if bundle is None:
            bundle = BlockBundle(
                chain_id=chain_id,
                number=rec.block_number,
                hash=bh or "0x" + f"{rec.block_number:064x}",
                parent_hash="0x" + f"{max(rec.block_number - 1, 0):064x}",
                timestamp=ts or 0,
                source="replay",
            )
            blocks[rec.block_number] = bundle
        elif ts and not bundle.timestamp:
            bundle.timestamp = ts
        bundle.logs.append(rec)
    if skipped or duplicates:
        log.warning("replay.eth_logs.skipped", count=skipped, duplicates=duplicates)
    for number in sorted(blocks):
        bundle = blocks[number]
        bundle.logs.sort(key=lambda r: (r.tx_index, r.log_index))
        yield bundle
