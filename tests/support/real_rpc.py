"""What the stored rows of a recorded block must be, read straight from the raw JSON.

Deliberately independent of ``decode/``: plain ``int(x, 16)`` over the node's answers, so
a bug in the decoder cannot also be in the expectation.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import asyncpg

from hafeniq_chain.chain.recorded_blocks import RecordedBlock, load_dir


def real_rpc_blocks(shared_data: Path) -> list[RecordedBlock]:
    return load_dir(shared_data / "real-rpc" / "blocks")


def _int(value: str | None) -> int | None:
    return None if value is None else int(value, 16)


def expected_transactions(block: RecordedBlock) -> list[tuple[Any, ...]]:
    """(hash, index, from, to, value, nonce, type, status, gas_used, contract) per tx."""
    out = []
    for tx, r in zip(block.block["transactions"], block.receipts, strict=True):
        out.append((tx["hash"], _int(tx["transactionIndex"]), tx["from"], tx.get("to"),
                    _int(tx["value"]), _int(tx["nonce"]), _int(tx.get("type")),
                    _int(r.get("status")), _int(r["gasUsed"]), r.get("contractAddress")))
    return out


def expected_logs(block: RecordedBlock) -> list[tuple[Any, ...]]:
    """(log_index, tx_hash, address, topics, data) per log, in log order."""
    return [(_int(lg["logIndex"]), lg["transactionHash"], lg["address"], list(lg["topics"]),
             bytes.fromhex(lg["data"][2:])) for r in block.receipts for lg in r["logs"]]


Conn = asyncpg.Connection | asyncpg.pool.PoolConnectionProxy


async def assert_stored(conn: Conn, chain_id: int, block: RecordedBlock) -> None:
    """The block, each transaction and each log stored exactly as the node answered."""
    number = block.number
    row = await conn.fetchrow("SELECT hash, parent_hash, tx_count, gas_used, base_fee "
                              "FROM blocks WHERE chain_id = $1 AND number = $2",
                              chain_id, number)
    assert row is not None, f"block {number} not stored"
    assert (row["hash"], row["parent_hash"], row["tx_count"], row["gas_used"]) == (
        block.hash, block.block["parentHash"], len(block.block["transactions"]),
        _int(block.block["gasUsed"]))
    assert row["base_fee"] == _int(block.block.get("baseFeePerGas"))
    txs = await conn.fetch(
        "SELECT hash, tx_index, from_addr, to_addr, value, nonce, tx_type, status, gas_used, "
        "contract_address FROM transactions WHERE chain_id = $1 AND block_number = $2 "
        "ORDER BY tx_index", chain_id, number)
    assert [tuple(r.values()) for r in txs] == expected_transactions(block)
    logs = await conn.fetch(
        "SELECT log_index, tx_hash, address, topics, data FROM logs "
        "WHERE chain_id = $1 AND block_number = $2 ORDER BY log_index", chain_id, number)
    assert [tuple(r.values()) for r in logs] == expected_logs(block)
