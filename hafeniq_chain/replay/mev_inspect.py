"""Read the mev-inspect-py recorded block format into BlockBundles.

Each file holds one block: Parity traces (sender, value, calldata and success of each
transaction come from its top-level trace) and reduced receipts (gas figures). There
are no logs, so transfers and swaps are derived from call traces.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hafeniq_chain.decode.int_range import null_out_of_range
from hafeniq_chain.decode.records import BlockBundle, TxRecord
from hafeniq_chain.decode.swaps import swaps_from_calls
from hafeniq_chain.decode.traces import calls_from_parity, outermost, transfer_from_call


def looks_like_mev_inspect(raw: Any) -> bool:
    return isinstance(raw, dict) and "traces" in raw and "block_number" in raw


def bundle_from_mev_inspect(raw: dict[str, Any], chain_id: int = 1) -> BlockBundle:
    """One recorded block -> a bundle with transactions, calls, transfers and swaps."""
    number = int(raw["block_number"])
    calls = calls_from_parity(raw["traces"], number)
    receipts = {r["transaction_hash"].lower(): r for r in raw.get("receipts", [])}
    base_fee = raw.get("base_fee_per_gas")
    bundle = BlockBundle(
        chain_id=chain_id, number=number, hash=f"replay:{chain_id}:{number}",
        parent_hash=f"replay:{chain_id}:{number - 1}",
        timestamp=int(raw.get("block_timestamp") or 0),
        miner=(raw.get("miner") or "").lower() or None,
        base_fee=int(base_fee, 16) if isinstance(base_fee, str) else base_fee,
        source="replay", calls=calls)
    for call in calls:
        if call.trace_address:
            continue
        receipt = receipts.get(call.tx_hash, {})
        bundle.transactions.append(TxRecord(
            hash=call.tx_hash, block_number=number, tx_index=call.tx_index,
            from_addr=call.from_addr, to_addr=call.to_addr, value=call.value,
            input=call.input, status=0 if call.error else 1,
            gas_used=receipt.get("gas_used"),
            effective_gas_price=receipt.get("effective_gas_price"),
            contract_address=call.to_addr if call.call_type == "create" else None))
    moves = [(c, t) for c in calls if c.error is None
             and (t := transfer_from_call(c)) is not None]
    bundle.transfers = [t for _, t in outermost(moves)]
    bundle.swaps = swaps_from_calls(calls)
    null_out_of_range(bundle)  # gas_used = 2^64-1 in some recorded receipts: unknown
    return bundle


def read_mev_inspect(path: Path, chain_id: int = 1) -> BlockBundle:
    return bundle_from_mev_inspect(json.loads(path.read_text()), chain_id)
