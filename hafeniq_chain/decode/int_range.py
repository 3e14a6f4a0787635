"""Integers that must fit PostgreSQL ``bigint`` columns: out-of-range values become NULL.

Real recordings hold impossible values: mev-inspect-py's mainnet blocks carry receipts with
``gas_used`` = 2^64-1 (the recorder's "unknown"), and a node may answer anything. A COPY
with one such value fails the whole batch (``OverflowError: value out of int64 range``), so
the value is treated as unknown instead: set to None, counted per field, logged once per
block (``decode.value_out_of_range``). Wei amounts are ``numeric(78,0)`` and never touched.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from typing import Any

from hafeniq_chain.decode.records import BlockBundle, TxRecord
from hafeniq_chain.log import get_logger
from hafeniq_chain.metrics import VALUES_OUT_OF_RANGE

log = get_logger(__name__)

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
SMALLINT_MAX = 2**15 - 1
TX_BIGINT_FIELDS = ("nonce", "gas", "gas_used", "tx_type", "status", "mempool_delay_ms")
TX_SMALLINT_FIELDS = frozenset({"tx_type", "status"})  # smallint columns
BLOCK_BIGINT_FIELDS = ("gas_used", "gas_limit")


def fits_bigint(value: int | None) -> bool:
    """True for None and for integers a ``bigint`` column holds."""
    return value is None or INT64_MIN <= value <= INT64_MAX


def _fits(field_name: str, value: int | None) -> bool:
    if field_name in TX_SMALLINT_FIELDS:
        return value is None or -SMALLINT_MAX - 1 <= value <= SMALLINT_MAX
    return fits_bigint(value)


def _clean_tx(tx: TxRecord, counts: Counter[str]) -> TxRecord:
    bad = [f for f in TX_BIGINT_FIELDS if not _fits(f, getattr(tx, f))]
    if not bad:
        return tx
    counts.update(f"transactions.{f}" for f in bad)
    nulls: dict[str, Any] = dict.fromkeys(bad)
    return replace(tx, **nulls)


def null_out_of_range(bundle: BlockBundle) -> int:
    """Set every out-of-range bigint field of ``bundle`` to None, in place; how many were.

    Idempotent: a cleaned bundle returns 0, so the reader and the writer may both call it.
    """
    counts: Counter[str] = Counter()
    for name in BLOCK_BIGINT_FIELDS:
        if not fits_bigint(getattr(bundle, name)):
            counts[f"blocks.{name}"] += 1
            setattr(bundle, name, None)
    if any(not _fits(f, getattr(tx, f)) for tx in bundle.transactions
           for f in TX_BIGINT_FIELDS):
        bundle.transactions = [_clean_tx(tx, counts) for tx in bundle.transactions]
    for column, n in counts.items():
        VALUES_OUT_OF_RANGE.labels(column=column).inc(n)
    total = sum(counts.values())
    if total:
        log.warning("decode.value_out_of_range", chain_id=bundle.chain_id,
                    block=bundle.number, stored_as="NULL", fields=dict(counts))
    return total


def nulled_so_far() -> int:
    """Values set to None by this process so far (all columns): for run summaries."""
    return int(sum(s.value for m in VALUES_OUT_OF_RANGE.collect() for s in m.samples
                   if s.name.endswith("_total")))
