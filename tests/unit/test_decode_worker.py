"""The worker half of a backfill on plain data: raw node answers in, rows and counts out."""

from __future__ import annotations

import pickle

import orjson
import pytest

from hafeniq_chain.chain.decode_worker import RawBlocks, load_prepared, prepare_raw
from hafeniq_chain.chain.rpc import ReceiptsUnsupported, RpcError
from hafeniq_chain.decode.abi_registry import AbiRegistry

REGISTRY = AbiRegistry.load()
TRANSFER = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"
A, B, TOKEN = "0x" + "aa" * 20, "0x" + "bb" * 20, "0x" + "cc" * 20
TX = "0x" + "11" * 32


def _log(index: int, data: str) -> dict[str, object]:
    return {"address": TOKEN, "topics": [TRANSFER, "0x" + "00" * 12 + A[2:],
                                         "0x" + "00" * 12 + B[2:]],
            "data": data, "logIndex": hex(index), "transactionHash": TX}


def _answers(logs: list[dict[str, object]]) -> list[dict[str, object]]:
    block = {"number": "0x7", "hash": "0x" + "22" * 32, "parentHash": "0x" + "33" * 32,
             "timestamp": "0x10", "transactions": [
                 {"hash": TX, "transactionIndex": "0x0", "from": A, "to": TOKEN, "value": "0x0",
                  "input": "0xa9059cbb" + "00" * 12 + B[2:] + f"{5:064x}", "nonce": "0x1"}]}
    receipts = [{"transactionHash": TX, "status": "0x1", "gasUsed": "0x5208", "logs": logs}]
    # NOTE: answered out of order on purpose: ids, not positions, pair them up.
    return [{"jsonrpc": "2.0", "id": 1, "result": receipts},
            {"jsonrpc": "2.0", "id": 0, "result": block}]


def _raw(answers: object) -> RawBlocks:
    return RawBlocks(31337, "backfill", [7], orjson.dumps(answers))


def test_rows_and_counts_from_raw_answers() -> None:
    batch = prepare_raw(_raw(_answers([_log(0, "0x" + f"{5:064x}")])), REGISTRY)
    assert (batch.numbers, batch.top_number, batch.transactions, batch.logs,
            batch.decoded_logs, batch.decode_errors) == ([7], 7, 1, 1, 1, {})
    (log_row,) = batch.rows["logs"]
    assert log_row[9] == "Transfer" and orjson.loads(log_row[10]) == {
        "from": A, "to": B, "value": 5}
    assert batch.call_targets == [TOKEN]
    assert load_prepared(pickle.dumps(batch)) == batch


def test_a_log_that_does_not_fit_its_abi_is_counted_not_fatal() -> None:
    batch = prepare_raw(_raw(_answers([_log(0, "0x01"), _log(1, "0x" + f"{9:064x}")])),
                        REGISTRY)
    assert (batch.logs, batch.decoded_logs, batch.decode_errors) == (2, 1, {"log": 1})


def test_node_errors_fail_the_batch() -> None:
    answers = _answers([])
    answers[0] = {"jsonrpc": "2.0", "id": 1, "error": {"code": -32601, "message": "nope"}}
    with pytest.raises(ReceiptsUnsupported):
        prepare_raw(_raw(answers), REGISTRY)
    with pytest.raises(RpcError, match="not found"):
        prepare_raw(_raw([{"jsonrpc": "2.0", "id": 0, "result": None},
                          {"jsonrpc": "2.0", "id": 1, "result": []}]), REGISTRY)
    with pytest.raises(RpcError, match="answers"):
        prepare_raw(_raw(answers[:1]), REGISTRY)


def test_registry_survives_pickling_into_a_worker() -> None:
    clone = pickle.loads(pickle.dumps(REGISTRY))
    data = bytes.fromhex("a9059cbb" + "00" * 12 + B[2:] + f"{5:064x}")
    assert clone.decode_call(data) == REGISTRY.decode_call(data) == (
        "transfer", {"to": B, "amount": 5})
    assert clone.events.keys() == REGISTRY.events.keys()
