"""Typed records -> table rows, in the column order of migrations/0001_initial.sql."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from hafeniq_chain.decode.edges import EdgeEvent
from hafeniq_chain.decode.records import BlockBundle

Rows = list[tuple[Any, ...]]


def _json(value: Any) -> Any:
    """jsonb values go in as Python objects: the pool's codec serialises them once."""
    return value


def _blocks(bundles: Sequence[BlockBundle], _: Sequence[EdgeEvent]) -> Rows:
    return [(b.chain_id, b.number, b.hash, b.parent_hash,
             datetime.fromtimestamp(b.timestamp, tz=UTC), b.miner, b.base_fee, b.gas_used,
             b.gas_limit, len(b.transactions), b.source) for b in bundles]


def _transactions(bundles: Sequence[BlockBundle], _: Sequence[EdgeEvent]) -> Rows:
    return [(b.chain_id, t.block_number, t.tx_index, t.hash, t.from_addr, t.to_addr, t.value,
             t.nonce, t.selector, t.input, t.gas, t.gas_price, t.max_fee, t.max_priority_fee,
             t.tx_type, t.status, t.gas_used, t.effective_gas_price, t.contract_address,
             t.function_name, _json(t.decoded_args), t.private, t.mempool_delay_ms)
            for b in bundles for t in b.transactions]


def _logs(bundles: Sequence[BlockBundle], _: Sequence[EdgeEvent]) -> Rows:
    return [(b.chain_id, lg.block_number, lg.log_index, lg.tx_hash, lg.tx_index, lg.address,
             lg.topic0, list(lg.topics), lg.data, lg.event_name, _json(lg.decoded))
            for b in bundles for lg in b.logs]


def _calls(bundles: Sequence[BlockBundle], _: Sequence[EdgeEvent]) -> Rows:
    return [(b.chain_id, c.block_number, c.tx_hash, c.tx_index,
             ".".join(map(str, c.trace_address)), c.call_type, c.from_addr, c.to_addr, c.value,
             c.selector, c.function_name, _json(c.decoded_args), c.output, c.error)
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
                     "decoded_args", "private", "mempool_delay_ms"],
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
