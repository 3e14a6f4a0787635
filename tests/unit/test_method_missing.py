"""Which node error answers mean "no such method" (fall back) and which are real failures
(retry). The payloads are the real ones of the nodes named."""

from __future__ import annotations

from typing import Any

import pytest

from hafeniq_chain.chain.rpc import (
    MethodUnsupported,
    ReceiptsUnsupported,
    RpcError,
    error_for,
    method_missing,
)

MISSING: list[Any] = [
    {"code": -32004, "message": "Method trace_block is not supported"},  # Hardhat 2.29
    {"code": -32700, "message": "The method trace_block does not exist/is not available"},
    {"code": -32601, "message": "the method trace_block does not exist/is not available"},
    {"code": -32601, "message": "Method not found"},
    "method not found",
]
FAILING: list[Any] = [
    {"code": -32000, "message": "header not found"},
    {"code": 3, "message": "execution reverted"},
    {"code": -32000, "message": "no traces recorded for block 17000000"},
    {"code": -32005, "message": "limit exceeded"},
]


@pytest.mark.parametrize("error", MISSING)
def test_missing_method_answers(error: Any) -> None:
    assert method_missing(error)
    assert isinstance(error_for("trace_block", error), MethodUnsupported)


@pytest.mark.parametrize("error", FAILING)
def test_other_failures_are_not_missing_methods(error: Any) -> None:
    assert not method_missing(error)
    found = error_for("trace_block", error)
    assert type(found) is RpcError


def test_block_receipts_errors_always_mean_fall_back() -> None:
    assert isinstance(error_for("eth_getBlockReceipts", FAILING[0]), ReceiptsUnsupported)
