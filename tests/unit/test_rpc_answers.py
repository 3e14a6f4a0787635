"""What counts as an unusable node answer (fail over) vs a node-side error (re-split)."""

from __future__ import annotations

import pytest

from hafeniq_chain.chain.rpc import NotJson, RpcError, json_shaped, parse_batch


@pytest.mark.parametrize("body", [b"<html>502 bad gateway</html>", b"", b"  ", b"null",
                                  b'[{"id": 0', b"oops]"])
def test_garbage_is_not_json(body: bytes) -> None:
    with pytest.raises(NotJson):
        json_shaped(body)


def test_json_answers_pass_untouched() -> None:
    body = b' [{"jsonrpc": "2.0", "id": 0, "result": "0x1"}]\n'
    assert json_shaped(body) is body
    assert parse_batch(["eth_blockNumber"], body) == ["0x1"]


def test_json_shaped_but_broken_is_a_node_error() -> None:
    with pytest.raises(RpcError, match="unparseable"):
        parse_batch(["eth_blockNumber"], b"[{]")
    with pytest.raises(RpcError, match="unknown id"):
        parse_batch(["eth_blockNumber"], b'[{"id": 7, "result": 1}]')
