"""The ABI registry's word fast path agrees with eth-abi's general decoder."""

from __future__ import annotations

from eth_abi.abi import encode
from hypothesis import given
from hypothesis import strategies as st

from hafeniq_chain.decode.abi_registry import AbiDecodeError, AbiRegistry

REGISTRY = AbiRegistry.load()
V3_SWAP = "0xc42079f94a6350d7e6235f29174924f928cc2ac818eb64fed8004e115fbcca67"
TRANSFER = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"
addresses = st.binary(min_size=20, max_size=20).map(lambda b: "0x" + b.hex())


def topic(address: str) -> str:
    return "0x" + "00" * 12 + address[2:]


@given(addresses, addresses, st.integers(-(2**255), 2**255 - 1),
       st.integers(-(2**255), 2**255 - 1), st.integers(0, 2**160 - 1),
       st.integers(0, 2**128 - 1), st.integers(-(2**23), 2**23 - 1))
def test_v3_swap_signed_words(sender: str, recipient: str, a0: int, a1: int, price: int,
                              liquidity: int, tick: int) -> None:
    data = encode(["int256", "int256", "uint160", "uint128", "int24"],
                  [a0, a1, price, liquidity, tick])
    decoded = REGISTRY.decode_log((V3_SWAP, topic(sender), topic(recipient)), data)
    assert decoded is not None and decoded[0] == "Swap"
    assert decoded[1] == {"sender": sender, "recipient": recipient, "amount0": a0, "amount1": a1,
                    "sqrtPriceX96": price, "liquidity": liquidity, "tick": tick}


def test_short_data_is_a_decode_error_not_a_crash() -> None:
    try:
        REGISTRY.decode_log((TRANSFER, topic("0x" + "11" * 20), topic("0x" + "22" * 20)),
                            b"\x01")
    except AbiDecodeError as exc:
        assert "Transfer" in str(exc)
    else:
        raise AssertionError("short data must raise AbiDecodeError")


def test_dynamic_data_still_uses_the_general_decoder() -> None:
    vote = next(e for e in REGISTRY.events.values() if e.name == "VoteCast")
    data = encode(["uint256", "uint8", "uint256", "string"], [7, 1, 10**18, "for the DAO"])
    decoded = REGISTRY.decode_log((vote.topic0, topic("0x" + "33" * 20)), data)
    assert decoded is not None
    assert decoded[1] == {"voter": "0x" + "33" * 20, "proposalId": 7, "support": 1,
                    "weight": 10**18, "reason": "for the DAO"}


@given(addresses, st.integers(0, 2**256 - 1))
def test_static_call_fast_path_matches_eth_abi(to: str, amount: int) -> None:
    data = bytes.fromhex("a9059cbb") + encode(["address", "uint256"], [to, amount])
    assert REGISTRY.decode_call(data) == ("transfer", {"to": to, "amount": amount})


def test_short_calldata_is_a_decode_error() -> None:
    try:
        REGISTRY.decode_call(bytes.fromhex("a9059cbb") + b"\x00" * 40)
    except AbiDecodeError as exc:
        assert "transfer" in str(exc)
    else:
        raise AssertionError("short calldata must raise AbiDecodeError")


@given(st.integers(0, 2**256 - 1), st.integers(0, 2**256 - 1),
       st.lists(addresses, max_size=5), addresses, st.integers(0, 2**256 - 1))
def test_word_array_fast_path_matches_eth_abi(amount_in: int, min_out: int, path: list[str],
                                              to: str, deadline: int) -> None:
    types = ["uint256", "uint256", "address[]", "address", "uint256"]
    args = [amount_in, min_out, path, to, deadline]
    spec = REGISTRY.functions["0x38ed1739"]  # swapExactTokensForTokens
    assert spec.args is not None  # the fast path, not eth-abi
    data = bytes.fromhex("38ed1739") + encode(types, args)
    assert REGISTRY.decode_call(data) == ("swapExactTokensForTokens", dict(
        zip(spec.arg_names, args, strict=True)))


def test_word_array_past_the_data_is_a_decode_error() -> None:
    data = bytes.fromhex("38ed1739") + encode(
        ["uint256", "uint256", "address[]", "address", "uint256"],
        [1, 2, ["0x" + "44" * 20] * 3, "0x" + "55" * 20, 9])
    for bad in (data[:-32], data[:4 + 32 * 5 + 16]):
        try:
            REGISTRY.decode_call(bad)
        except AbiDecodeError as exc:
            assert "swapExactTokensForTokens" in str(exc)
        else:
            raise AssertionError("a truncated address[] must raise AbiDecodeError")
