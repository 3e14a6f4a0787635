"""Out-of-range receipt values from a real recording become NULL, counted, never a crash."""

from __future__ import annotations

import json
from pathlib import Path

from hafeniq_chain.decode.int_range import INT64_MAX, fits_bigint, null_out_of_range
from hafeniq_chain.decode.records import TxRecord
from hafeniq_chain.replay.mev_inspect import bundle_from_mev_inspect
from hafeniq_chain.store.rows import prepare_batch


def test_fits_bigint_edges() -> None:
    assert fits_bigint(None) and fits_bigint(INT64_MAX) and fits_bigint(-(2**63))
    assert not fits_bigint(INT64_MAX + 1) and not fits_bigint(2**64 - 1)


def test_real_block_with_gas_used_2_64_minus_1(shared_data: Path) -> None:
    raw = json.loads((shared_data / "mev-inspect-py" / "blocks" / "11930296.json").read_text())
    bad = {r["transaction_hash"].lower() for r in raw["receipts"]
           if r["gas_used"] > INT64_MAX}
    assert len(bad) == 6  # what the recording holds
    bundle = bundle_from_mev_inspect(raw)
    by_hash = {tx.hash: tx for tx in bundle.transactions}
    assert all(by_hash[h].gas_used is None for h in bad)
    kept = [tx for tx in bundle.transactions if tx.hash not in bad]
    assert kept and all(tx.gas_used is not None and tx.gas_used < 30_000_000 for tx in kept)
    assert null_out_of_range(bundle) == 0  # idempotent
    batch = prepare_batch([bundle])
    column = batch.rows["transactions"]
    assert all(fits_bigint(row[16]) for row in column)


def test_writer_guard_counts_fields() -> None:
    raw = {"block_number": 5, "traces": [], "receipts": []}
    bundle = bundle_from_mev_inspect(raw)
    bundle.gas_limit = 2**64
    assert null_out_of_range(bundle) == 1 and bundle.gas_limit is None


def test_smallint_columns_use_their_own_range() -> None:
    bundle = bundle_from_mev_inspect({"block_number": 6, "traces": [], "receipts": []})
    bundle.transactions = [TxRecord(hash="0x1", block_number=6, tx_index=0, from_addr="0xa",
                                    to_addr=None, value=0, input=b"", tx_type=70_000,
                                    status=1, gas_used=21_000)]
    assert null_out_of_range(bundle) == 1
    (tx,) = bundle.transactions
    assert tx.tx_type is None and tx.status == 1 and tx.gas_used == 21_000
