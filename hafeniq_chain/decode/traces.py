"""Call traces -> CallRecords and the value transfers they make.

Accepts Parity ``trace_block`` entries (camelCase from a node, snake_case outer keys in
the recorded mev-inspect files) and geth ``callTracer`` frames. Transfers come from
plain value calls (empty input) and ERC-20 ``transfer``/``transferFrom`` calls, whose
arguments are read as static words the way the EVM reads them, so bots' non-canonical
calldata (truncated tails, dirty address bits) still decodes. A transfer made inside
another transfer (a token proxy delegating to its implementation) is dropped so it is
not counted twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from hafeniq_chain.decode.records import CallRecord, TransferRecord
from hafeniq_chain.log import get_logger
from hafeniq_chain.metrics import DECODE_ERRORS

log = get_logger(__name__)

TRANSFER = "0xa9059cbb"
TRANSFER_FROM = "0x23b872dd"


def _get(trace: dict[str, Any], snake: str, camel: str) -> Any:
    return trace[snake] if snake in trace else trace.get(camel)


def _int(value: Any) -> int:
    if value is None:
        return 0
    return value if isinstance(value, int) else int(value, 16)


def _hex_bytes(value: str | None) -> bytes:
    return bytes.fromhex(value[2:]) if value and len(value) > 2 else b""


def calls_from_parity(traces: Iterable[dict[str, Any]], block_number: int) -> list[CallRecord]:
    """Parity traces of one block -> call records (rewards and self-destructs skipped)."""
    calls = []
    for t in traces:
        if t.get("type") not in ("call", "create"):
            continue
        action, result = t.get("action") or {}, t.get("result") or {}
        is_create = t["type"] == "create"
        calls.append(CallRecord(
            block_number=block_number,
            tx_hash=str(_get(t, "transaction_hash", "transactionHash")).lower(),
            tx_index=int(_get(t, "transaction_position", "transactionPosition") or 0),
            trace_address=tuple(_get(t, "trace_address", "traceAddress") or ()),
            call_type="create" if is_create else str(action.get("callType", "call")),
            from_addr=str(action.get("from", "")).lower(),
            to_addr=str((result.get("address") if is_create else action.get("to")) or "").lower()
            or None,
            value=_int(action.get("value")),
            input=_hex_bytes(action.get("init") if is_create else action.get("input")),
            output=_hex_bytes(result.get("code") if is_create else result.get("output")),
            error=t.get("error"),
        ))
    return calls


def calls_from_call_tracer(frame: dict[str, Any], tx_hash: str, tx_index: int,
                           block_number: int, path: tuple[int, ...] = ()) -> list[CallRecord]:
    """A geth callTracer frame tree (one transaction) -> call records in DFS order."""
    typ = str(frame.get("type", "CALL")).lower()
    record = CallRecord(
        block_number=block_number, tx_hash=tx_hash.lower(), tx_index=tx_index,
        trace_address=path, call_type="create" if typ.startswith("create") else typ,
        from_addr=str(frame.get("from", "")).lower(),
        to_addr=str(frame["to"]).lower() if frame.get("to") else None,
        value=_int(frame.get("value")), input=_hex_bytes(frame.get("input")),
        output=_hex_bytes(frame.get("output")), error=frame.get("error"))
    out = [record]
    for i, child in enumerate(frame.get("calls") or []):
        out += calls_from_call_tracer(child, tx_hash, tx_index, block_number, (*path, i))
    return out


def transfer_from_call(call: CallRecord) -> TransferRecord | None:
    """The value a single call moves, if any (native value or an ERC-20 transfer call)."""
    if call.call_type == "create":
        return None
    position = "trace:" + ".".join(map(str, call.trace_address))
    if call.value > 0 and not call.input and call.to_addr:
        return TransferRecord(call.block_number, call.tx_hash, call.tx_index, position, "",
                              call.from_addr, call.to_addr, call.value)
    selector = call.selector
    if selector not in (TRANSFER, TRANSFER_FROM) or call.to_addr is None:
        return None
    words = 2 if selector == TRANSFER else 3
    if len(call.input) < 4 + 32 * words:
        DECODE_ERRORS.labels(kind="trace_transfer").inc()
        log.debug("decode.trace_transfer_short", tx=call.tx_hash, size=len(call.input))
        return None
    if selector == TRANSFER:
        sender, to, amount = call.from_addr, word_address(call.input, 0), word_int(call.input, 1)
    else:
        sender = word_address(call.input, 0)
        to, amount = word_address(call.input, 1), word_int(call.input, 2)
    return TransferRecord(call.block_number, call.tx_hash, call.tx_index, position,
                          call.to_addr, sender, to, amount)


def word_address(calldata: bytes, index: int) -> str:
    """The address in static argument ``index`` (what the EVM reads, dirty bits ignored)."""
    start = 4 + 32 * index
    return "0x" + calldata[start + 12:start + 32].hex()


def word_int(calldata: bytes, index: int) -> int:
    start = 4 + 32 * index
    return int.from_bytes(calldata[start:start + 32], "big")


def is_descendant(child: Sequence[int], parent: Sequence[int]) -> bool:
    return len(child) > len(parent) and tuple(child[:len(parent)]) == tuple(parent)


def outermost(transfers: Iterable[tuple[CallRecord, TransferRecord]]
              ) -> list[tuple[CallRecord, TransferRecord]]:
    """Drop transfers made inside another transfer of the same transaction."""
    kept: list[tuple[CallRecord, TransferRecord]] = []
    seen: dict[str, list[tuple[int, ...]]] = {}
    for call, transfer in sorted(transfers, key=lambda ct: ct[0].trace_address):
        parents = seen.setdefault(call.tx_hash, [])
        if not any(is_descendant(call.trace_address, p) for p in parents):
            kept.append((call, transfer))
        parents.append(call.trace_address)
    return kept
