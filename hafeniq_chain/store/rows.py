"""Typed records -> table rows, in the column order of migrations/0001_initial.sql.

``prepare_batch`` does all the per-row Python work of a write and returns plain,
picklable data, so a backfill can run it in worker processes while the main process
only fetches and writes; the live follower calls the same function in-process, so
both paths store identical rows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from hafeniq_chain.decode.edges import EdgeEvent, edge_events_for
from hafeniq_chain.decode.int_range import null_out_of_range
from hafeniq_chain.decode.records import BlockBundle
from hafeniq_chain.store.json_text import json_text

Rows = list[tuple[Any, ...]]


def _blocks(bundles: Sequence[BlockBundle], _: Sequence[EdgeEvent]) -> Rows:
    return [(b.chain_id, b.number, b.hash, b.parent_hash,
             datetime.fromtimestamp(b.timestamp, tz=UTC), b.miner, b.base_fee, b.gas_used,
             b.gas_limit, len(b.transactions), b.source) for b in bundles]


def _transactions(bundles: Sequence[BlockBundle], _: Sequence[EdgeEvent]) -> Rows:
    return [(b.chain_id, t.block_number, t.tx_index, t.hash, t.from_addr, t.to_addr, t.value,
             t.nonce, t.selector, t.input, t.gas, t.gas_price, t.max_fee, t.max_priority_fee,
             t.tx_type, t.status, t.gas_used, t.effective_gas_price, t.contract_address,
             t.function_name, json_text(t.decoded_args), t.private, t.mempool_delay_ms,
             list(t.blob_versioned_hashes) if t.blob_versioned_hashes is not None else None,
             t.max_fee_per_blob_gas, t.blob_gas_used, t.blob_gas_price,
             json_text(t.authorization_list))
            for b in bundles for t in b.transactions]


def _logs(bundles: Sequence[BlockBundle], _: Sequence[EdgeEvent]) -> Rows:
    return [(b.chain_id, lg.block_number, lg.log_index, lg.tx_hash, lg.tx_index, lg.address,
             lg.topic0, list(lg.topics), lg.data, lg.event_name, json_text(lg.decoded))
            for b in bundles for lg in b.logs]


def _calls(bundles: Sequence[BlockBundle], _: Sequence[EdgeEvent]) -> Rows:
    return [(b.chain_id, c.block_number, c.tx_hash, c.tx_index,
             ".".join(map(str, c.trace_address)), c.call_type, c.from_addr, c.to_addr, c.value,
             c.selector, c.function_name, json_text(c.decoded_args), c.output, c.error)
            for b in bundles for c in b.calls]


def _swaps(bundles: Sequence[BlockBundle], _: Sequence[EdgeEvent]) -> Rows:
    return [(b.chain_id, s.block_number, s.tx_hash, s.tx_index, s.position, s.protocol, s.pool,
             s.tx_from, s.sender, s.recipient, s.token_in, s.token_out, s.amount_in,
             s.amount_out, s.source, s.error) for b in bundles for s in b.swaps]


def _edge_events(bundles: Sequence[BlockBundle], events: Sequence[EdgeEvent]) -> Rows:
    chain_id = bundles[0].chain_id
    # NOTE: the same (tx, position, kind) can only appear once; keep the first.
    unique = {(e.tx_hash, e.position, e.kind): e for e in reversed(events)}
    return [(chain_id, e.block_number, e.tx_hash, e.position, e.src, e.dst, e.kind, e.token,
             e.amount) for e in unique.values()]


TABLE_COLUMNS: dict[str, list[str]] = {
    "blocks": ["chain_id", "number", "hash", "parent_hash", "timestamp", "miner", "base_fee",
               "gas_used", "gas_limit", "tx_count", "source"],
    "transactions": ["chain_id", "block_number", "tx_index", "hash", "from_addr", "to_addr",
                     "value", "nonce", "selector", "input", "gas", "gas_price", "max_fee",
                     "max_priority_fee", "tx_type", "status", "gas_used",
                     "effective_gas_price", "contract_address", "function_name",
                     "decoded_args", "private", "mempool_delay_ms", "blob_versioned_hashes",
                     "max_fee_per_blob_gas", "blob_gas_used", "blob_gas_price",
                     "authorization_list"],
    "logs": ["chain_id", "block_number", "log_index", "tx_hash", "tx_index", "address",
             "topic0", "topics", "data", "event_name", "decoded"],
    "calls": ["chain_id", "block_number", "tx_hash", "tx_index", "trace_address", "call_type",
              "from_addr", "to_addr", "value", "selector", "function_name", "decoded_args",
              "output", "error"],
    "swaps": ["chain_id", "block_number", "tx_hash", "tx_index", "position", "protocol", "pool",
              "tx_from", "sender", "recipient", "token_in", "token_out", "amount_in",
              "amount_out", "source", "error"],
    "edge_events": ["chain_id", "block_number", "tx_hash", "position", "src", "dst", "kind",
                    "token", "amount"],
}

ROW_BUILDERS: dict[str, Callable[[Sequence[BlockBundle], Sequence[EdgeEvent]], Rows]] = {
    "blocks": _blocks, "transactions": _transactions, "logs": _logs, "calls": _calls,
    "swaps": _swaps, "edge_events": _edge_events,
}


@dataclass
class EntityCandidates:
    """Every address a batch touches: earliest block and kind as far as the batch shows.

    The kind is the first non-'unknown' one in record order; a kind learned from the
    node (``eth_getCode``) overrides it at write time.
    """

    addresses: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    blocks: list[int] = field(default_factory=list)


def _entity_candidates(bundles: Sequence[BlockBundle]) -> EntityCandidates:
    seen: dict[str, tuple[str, int]] = {}

    def note(address: str | None, block: int, kind: str = "unknown") -> None:
        if not address:
            return
        prev = seen.get(address)
        if prev is None:
            seen[address] = (kind, block)
        elif block < prev[1] or (prev[0] == "unknown" and kind != "unknown"):
            seen[address] = (kind if prev[0] == "unknown" else prev[0], min(block, prev[1]))

    for b in bundles:
        for tx in b.transactions:
            note(tx.from_addr, b.number, "eoa")
            note(tx.to_addr, b.number)
            note(tx.contract_address, b.number, "contract")
        for t in b.transfers:
            note(t.from_addr, b.number)
            note(t.to_addr, b.number)
        for lg in b.logs:  # NOTE: only code emits logs
            note(lg.address, b.number, "contract")
    addresses = sorted(seen)
    return EntityCandidates(addresses, [seen[a][0] for a in addresses],
                            [seen[a][1] for a in addresses])


@dataclass
class PreparedBatch:
    """One write's worth of rows for consecutive blocks of one chain, plus what the
    writer and the caller need to know about them (cursor target, counts)."""

    chain_id: int
    source: str
    numbers: list[int]
    top_number: int
    top_hash: str
    rows: dict[str, Rows]
    entities: EntityCandidates
    call_targets: list[str]
    transactions: int
    logs: int
    decoded_logs: int
    decode_errors: dict[str, int] = field(default_factory=dict)


def prepare_batch(bundles: Sequence[BlockBundle]) -> PreparedBatch:
    """All rows of ``bundles`` (non-empty, one chain), built once for any write method."""
    for bundle in bundles:  # a value no bigint column holds must not fail the whole batch
        null_out_of_range(bundle)
    edge_events = [e for b in bundles for e in edge_events_for(b)]
    top = max(bundles, key=lambda b: b.number)
    return PreparedBatch(
        chain_id=bundles[0].chain_id, source=bundles[0].source,
        numbers=[b.number for b in bundles], top_number=top.number, top_hash=top.hash,
        rows={table: build(bundles, edge_events) for table, build in ROW_BUILDERS.items()},
        entities=_entity_candidates(bundles),
        call_targets=sorted({tx.to_addr for b in bundles for tx in b.transactions
                             if tx.to_addr}),
        transactions=sum(len(b.transactions) for b in bundles),
        logs=sum(len(b.logs) for b in bundles),
        decoded_logs=sum(1 for b in bundles for lg in b.logs if lg.event_name))
