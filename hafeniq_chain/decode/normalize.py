"""Raw JSON-RPC block + receipts -> a decoded BlockBundle.

Works on the raw dicts (hex strings) straight from the node: no web3 formatting
layer in the hot path. Unknown events and calls are kept raw; a known event whose
bytes do not fit its ABI is counted and logged, never fatal.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from hafeniq_chain.decode.abi_registry import AbiDecodeError, AbiRegistry
from hafeniq_chain.decode.log_swaps import swaps_from_logs
from hafeniq_chain.decode.records import (
    BlockBundle,
    CallRecord,
    LogRecord,
    TransferRecord,
    TxRecord,
)
from hafeniq_chain.decode.swaps import swaps_from_calls
from hafeniq_chain.decode.traces import (
    calls_from_call_tracer,
    calls_from_parity,
    outermost,
    transfer_from_call,
)
from hafeniq_chain.decode.tx_extras import authorization_list, blob_fields
from hafeniq_chain.log import get_logger
from hafeniq_chain.metrics import DECODE_ERRORS

log = get_logger(__name__)

TRANSFER_TOPIC = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"


def _int(value: str | int | None) -> int | None:
    if value is None:
        return None
    return value if isinstance(value, int) else int(value, 16)


def _addr(value: str | None) -> str | None:
    return value.lower() if value else None


def _bytes(value: str | None) -> bytes:
    return bytes.fromhex(value[2:]) if value and len(value) > 2 else b""


def _decode_call(registry: AbiRegistry, data: bytes, tx_hash: str
                 ) -> tuple[str | None, dict[str, Any] | None]:
    try:
        decoded = registry.decode_call(data)
    except AbiDecodeError as exc:
        DECODE_ERRORS.labels(kind="call").inc()
        log.warning("decode.call_failed", tx=tx_hash, error=str(exc))
        return None, None
    return decoded if decoded else (None, None)


def _decode_log(registry: AbiRegistry, topics: tuple[str, ...], data: bytes, tx_hash: str
                ) -> tuple[str | None, dict[str, Any] | None]:
    try:
        decoded = registry.decode_log(topics, data)
    except AbiDecodeError as exc:
        DECODE_ERRORS.labels(kind="log").inc()
        log.warning("decode.log_failed", tx=tx_hash, error=str(exc))
        return None, None
    return decoded if decoded else (None, None)


def normalize_block(chain_id: int, block: dict[str, Any], receipts: list[dict[str, Any]],
                    registry: AbiRegistry, *, source: str = "node") -> BlockBundle:
    """Build the bundle for one block fetched with full transactions and its receipts."""
    number = _int(block["number"])
    assert number is not None
    by_hash = {r["transactionHash"].lower(): r for r in receipts}
    bundle = BlockBundle(
        chain_id=chain_id, number=number, hash=block["hash"].lower(),
        parent_hash=block["parentHash"].lower(), timestamp=_int(block["timestamp"]) or 0,
        miner=_addr(block.get("miner")), base_fee=_int(block.get("baseFeePerGas")),
        gas_used=_int(block.get("gasUsed")), gas_limit=_int(block.get("gasLimit")),
        source=source,
    )
    for tx in block["transactions"]:
        tx_hash = tx["hash"].lower()
        receipt = by_hash.get(tx_hash, {})
        data = _bytes(tx.get("input"))
        name, args = _decode_call(registry, data, tx_hash) if tx.get("to") else (None, None)
        record = TxRecord(
            hash=tx_hash, block_number=number, tx_index=_int(tx["transactionIndex"]) or 0,
            from_addr=tx["from"].lower(), to_addr=_addr(tx.get("to")),
            value=_int(tx.get("value")) or 0, input=data, nonce=_int(tx.get("nonce")),
            gas=_int(tx.get("gas")), gas_price=_int(tx.get("gasPrice")),
            max_fee=_int(tx.get("maxFeePerGas")),
            max_priority_fee=_int(tx.get("maxPriorityFeePerGas")), tx_type=_int(tx.get("type")),
            status=_int(receipt.get("status")), gas_used=_int(receipt.get("gasUsed")),
            effective_gas_price=_int(receipt.get("effectiveGasPrice")),
            contract_address=_addr(receipt.get("contractAddress")),
            function_name=name, decoded_args=args,
            authorization_list=authorization_list(tx),
        )
        if "blobVersionedHashes" in tx:
            hashes, max_blob_fee, blob_gas, blob_price = blob_fields(tx, receipt)
            record = replace(record, blob_versioned_hashes=hashes,
                             max_fee_per_blob_gas=max_blob_fee, blob_gas_used=blob_gas,
                             blob_gas_price=blob_price)
        bundle.transactions.append(record)
        if record.value and record.status != 0 and record.to_addr:
            bundle.transfers.append(TransferRecord(
                number, tx_hash, record.tx_index, "tx", "", record.from_addr, record.to_addr,
                record.value))
        for raw_log in receipt.get("logs", []):
            _append_log(bundle, registry, raw_log, record.tx_index)
    bundle.swaps = swaps_from_logs(bundle.logs, bundle.transfers,
                                   {tx.hash: tx.from_addr for tx in bundle.transactions})
    return bundle


def _append_log(bundle: BlockBundle, registry: AbiRegistry, raw: dict[str, Any],
                tx_index: int) -> None:
    topics, data = tuple(t.lower() for t in raw["topics"]), _bytes(raw["data"])
    tx_hash = raw["transactionHash"].lower()
    name, args = _decode_log(registry, topics, data, tx_hash)
    record = LogRecord(
        block_number=bundle.number, log_index=_int(raw["logIndex"]) or 0,
        tx_hash=tx_hash, tx_index=tx_index, address=raw["address"].lower(), topics=topics,
        data=data, event_name=name, decoded=args,
    )
    bundle.logs.append(record)
    if name == "Transfer" and args is not None and "value" in args:
        bundle.transfers.append(TransferRecord(
            bundle.number, record.tx_hash, tx_index, f"log:{record.log_index}", record.address,
            args["from"], args["to"], int(args["value"])))


def add_traces(bundle: BlockBundle, traces: list[dict[str, Any]],
               registry: AbiRegistry) -> None:
    """Enrich a log-decoded bundle with call traces (Parity ``trace_block`` output).

    Internal calls become decoded CallRecords; ETH moved by internal calls becomes native
    transfers; swaps come from pool calls, which also covers pools that emit no standard
    ``Swap`` event.
    """
    _add_calls(bundle, calls_from_parity(traces, bundle.number), registry)


def add_call_traces(bundle: BlockBundle, results: list[dict[str, Any]],
                    registry: AbiRegistry) -> None:
    """``add_traces`` for geth's ``debug_traceBlockByNumber`` with the callTracer: one
    ``{"txHash"?, "result": frame}`` per transaction, in block order (older geth omits
    ``txHash``, so the position names the transaction)."""
    if len(results) != len(bundle.transactions):
        raise ValueError(f"block {bundle.number}: {len(results)} call traces for "
                         f"{len(bundle.transactions)} transactions")
    calls: list[CallRecord] = []
    for tx, entry in zip(bundle.transactions, results, strict=True):
        if entry.get("txHash") and str(entry["txHash"]).lower() != tx.hash:
            raise ValueError(f"block {bundle.number}: call trace of {entry['txHash']} where "
                             f"{tx.hash} was expected")
        if entry.get("error") or not isinstance(entry.get("result"), dict):
            DECODE_ERRORS.labels(kind="call").inc()
            log.warning("decode.call_trace_missing", tx=tx.hash, error=entry.get("error"))
            continue
        calls += calls_from_call_tracer(entry["result"], tx.hash, tx.tx_index, bundle.number)
    _add_calls(bundle, calls, registry)


def _add_calls(bundle: BlockBundle, records: list[CallRecord], registry: AbiRegistry) -> None:
    calls = []
    for call in records:
        name, args = (_decode_call(registry, call.input, call.tx_hash)
                      if call.to_addr and call.call_type != "create" else (None, None))
        calls.append(replace(call, function_name=name, decoded_args=args))
    bundle.calls = calls
    failed = {c.tx_hash for c in calls if not c.trace_address and c.error}
    internal = [(c, t) for c in calls if c.trace_address and c.error is None
                and c.tx_hash not in failed and (t := transfer_from_call(c)) is not None
                and not t.token]
    bundle.transfers += [t for _, t in outermost(internal)]
    bundle.swaps = swaps_from_calls(calls)
