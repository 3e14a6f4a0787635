"""Typed records every source produces and every detector consumes.

A live node, a backfill, a recorded mev-inspect block and a recorded ``eth_getLogs``
file all become a ``BlockBundle``; detectors never know which one they got.
Addresses and hashes are lower-case 0x-hex strings; amounts are Python ints.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ZERO_ADDRESS = "0x" + "00" * 20  # mints come from it, burns go to it


@dataclass(frozen=True, slots=True)
class TxRecord:
    """A mined transaction with its receipt fields."""

    hash: str
    block_number: int
    tx_index: int
    from_addr: str
    to_addr: str | None
    value: int
    input: bytes
    nonce: int | None = None
    gas: int | None = None
    gas_price: int | None = None
    max_fee: int | None = None
    max_priority_fee: int | None = None
    tx_type: int | None = None
    status: int | None = None
    gas_used: int | None = None
    effective_gas_price: int | None = None
    contract_address: str | None = None
    function_name: str | None = None
    decoded_args: dict[str, Any] | None = None
    private: bool = False
    mempool_delay_ms: int | None = None
    blob_versioned_hashes: tuple[str, ...] | None = None
    max_fee_per_blob_gas: int | None = None
    blob_gas_used: int | None = None
    blob_gas_price: int | None = None
    authorization_list: list[dict[str, Any]] | None = None

    @property
    def selector(self) -> str | None:
        return "0x" + self.input[:4].hex() if len(self.input) >= 4 else None


@dataclass(frozen=True, slots=True)
class LogRecord:
    """An event log, decoded when its ABI is known (``event_name`` None otherwise)."""

    block_number: int
    log_index: int
    tx_hash: str
    tx_index: int
    address: str
    topics: tuple[str, ...]
    data: bytes
    event_name: str | None = None
    decoded: dict[str, Any] | None = None

    @property
    def topic0(self) -> str | None:
        return self.topics[0] if self.topics else None


@dataclass(frozen=True, slots=True)
class CallRecord:
    """A call frame (top-level or internal, from traces)."""

    block_number: int
    tx_hash: str
    tx_index: int
    trace_address: tuple[int, ...]
    call_type: str
    from_addr: str
    to_addr: str | None
    value: int
    input: bytes
    output: bytes | None = None
    error: str | None = None
    function_name: str | None = None
    decoded_args: dict[str, Any] | None = None

    @property
    def selector(self) -> str | None:
        return "0x" + self.input[:4].hex() if len(self.input) >= 4 else None


@dataclass(frozen=True, slots=True)
class TransferRecord:
    """A value movement: native (token == '') or ERC-20, from a log or a call."""

    block_number: int
    tx_hash: str
    tx_index: int
    position: str
    token: str
    from_addr: str
    to_addr: str
    amount: int


@dataclass(frozen=True, slots=True)
class SwapRecord:
    """One pool swap, from a ``Swap`` log or a pool ``swap`` call."""

    block_number: int
    tx_hash: str
    tx_index: int
    position: str
    protocol: str
    pool: str
    tx_from: str
    sender: str | None
    recipient: str
    token_in: str
    token_out: str
    amount_in: int
    amount_out: int
    source: str  # "log" | "trace"
    error: str | None = None
    # The pool's reserves of token_in / token_out just before this swap, when the logs
    # tell (V2 ``Sync``; V3 virtual reserves L/sqrtP, L*sqrtP); None from traces.
    reserve_in: int | None = None
    reserve_out: int | None = None


@dataclass(frozen=True, slots=True)
class PendingTxRecord:
    """A transaction seen in the mempool before inclusion."""

    hash: str
    first_seen_ms: int
    from_addr: str
    to_addr: str | None
    value: int
    input: bytes
    nonce: int | None = None
    gas: int | None = None
    gas_price: int | None = None
    max_fee: int | None = None
    max_priority_fee: int | None = None


@dataclass(slots=True)
class BlockBundle:
    """Everything known about one block, ready for storage and detection."""

    chain_id: int
    number: int
    hash: str
    parent_hash: str
    timestamp: int
    miner: str | None = None
    base_fee: int | None = None
    gas_used: int | None = None
    gas_limit: int | None = None
    source: str = "node"
    transactions: list[TxRecord] = field(default_factory=list)
    logs: list[LogRecord] = field(default_factory=list)
    calls: list[CallRecord] = field(default_factory=list)
    transfers: list[TransferRecord] = field(default_factory=list)
    swaps: list[SwapRecord] = field(default_factory=list)
