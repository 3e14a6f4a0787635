"""Swaps from logs: real mainnet Uniswap V2/V3 blocks decoded exactly, and the V4
PoolManager, Balancer V2 Vault and Curve events decoded from their real event layouts."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest
from eth_abi.abi import encode

from hafeniq_chain.decode.abi_registry import AbiRegistry
from hafeniq_chain.decode.log_swaps import (
    BALANCER_V2_SWAP,
    CURVE_EXCHANGE,
    CURVE_EXCHANGE_UNDERLYING,
    V2_SWAP,
    V3_SWAP,
    V4_INITIALIZE,
    V4_SWAP,
    V4Pools,
    swaps_from_logs,
)
from hafeniq_chain.decode.normalize import normalize_block
from hafeniq_chain.decode.records import BlockBundle, LogRecord, TransferRecord

REAL = Path(__file__).resolve().parents[3] / "shared" / "data" / "real-rpc" / "blocks"
A, B, C = "0x" + "aa" * 20, "0x" + "bb" * 20, "0x" + "cc" * 20
USER, BOT, POOL = "0x" + "01" * 20, "0x" + "b0" * 20, "0x" + "77" * 20


@cache
def _real(number: int) -> BlockBundle:
    raw = json.loads((REAL / f"{number}.json").read_text())
    return normalize_block(1, raw["block"], raw["receipts"], AbiRegistry.load())


def _word(data: bytes, i: int, signed: bool = False) -> int:
    return int.from_bytes(data[32 * i:32 * i + 32], "big", signed=signed)


@pytest.mark.skipif(not REAL.exists(), reason="../shared/data is not present")
@pytest.mark.parametrize("number", [17000000, 20000000])
def test_real_blocks_every_uniswap_swap_decoded_exactly(number: int) -> None:
    bundle = _real(number)
    events = {lg.log_index: lg for lg in bundle.logs if lg.topic0 in (V2_SWAP, V3_SWAP)}
    swaps = {int(s.position.split(":")[1]): s for s in bundle.swaps}
    assert set(swaps) == set(events) and len(events) == {17000000: 20, 20000000: 36}[number]
    for index, lg in events.items():
        s = swaps[index]
        assert s.pool == lg.address and s.recipient == "0x" + lg.topics[2][-40:]
        if lg.topic0 == V2_SWAP:
            a0i, a1i, a0o, a1o = (_word(lg.data, i) for i in range(4))
            assert (s.amount_in, s.amount_out) == ((a0i, a1o) if a0i else (a1i, a0o))
            # the pair priced the swap against the reserves we derived (0.3% fee)
            assert s.reserve_in and s.reserve_out
            quote = s.reserve_out * s.amount_in * 997 // (s.reserve_in * 1000
                                                          + s.amount_in * 997)
            assert s.amount_out <= quote and s.amount_out >= quote * 0.99
        else:
            a0, a1 = _word(lg.data, 0, True), _word(lg.data, 1, True)
            assert (s.amount_in, s.amount_out) == ((a0, -a1) if a0 > 0 else (a1, -a0))
        assert s.token_in != s.token_out and s.tx_from


def _log(i: int, address: str, topics: tuple[str, ...], data: bytes, tx: str = "0xt"
         ) -> LogRecord:
    return LogRecord(block_number=5, log_index=i, tx_hash=tx, tx_index=0, address=address,
                     topics=topics, data=data)


def _topic(value: str | bytes) -> str:
    raw = bytes.fromhex(value[2:]) if isinstance(value, str) else value
    return "0x" + raw.rjust(32, b"\0").hex()


def _transfer(i: int, token: str, src: str, dst: str, amount: int) -> TransferRecord:
    return TransferRecord(5, "0xt", 0, f"log:{i}", token, src, dst, amount)


def test_uniswap_v4_swap_reads_currencies_from_initialize() -> None:
    manager, pool_id = "0x" + "44" * 20, "0x" + "ab" * 32
    init = _log(0, manager, (V4_INITIALIZE, pool_id, _topic(A), _topic(B)),
                encode(["uint24", "int24", "address", "uint160", "int24"],
                       [3000, 60, "0x" + "00" * 20, 2**96, 0]))
    # the swapper pays 1,000 of currency1 and receives 990 of currency0
    swap = _log(1, manager, (V4_SWAP, pool_id, _topic(BOT)),
                encode(["int128", "int128", "uint160", "uint128", "int24", "uint24"],
                       [990, -1000, 2**96, 10**9, 0, 3000]))
    pools = V4Pools()
    (s,) = swaps_from_logs([init, swap], [], {"0xt": USER}, pools)
    assert (s.protocol, s.pool, s.token_in, s.token_out) == ("uniswap_v4", pool_id, B, A)
    assert (s.amount_in, s.amount_out, s.sender, s.tx_from) == (1000, 990, BOT, USER)
    assert s.reserve_in == 10**9 - 1000 and s.reserve_out == 10**9 + 990
    other = _log(2, manager, (V4_SWAP, "0x" + "cd" * 32, _topic(BOT)), swap.data)
    assert swaps_from_logs([other], [], {}, pools) == []  # never initialized: skipped


def test_balancer_v2_vault_swap() -> None:
    vault, pool_id = "0xba12222222228d8ba445958a75a0704d566bf2c8", "0x" + "55" * 20 + "00" * 12
    swap = _log(3, vault, (BALANCER_V2_SWAP, pool_id, _topic(A), _topic(B)),
                encode(["uint256", "uint256"], [500, 480]))
    moves = [_transfer(1, A, BOT, vault, 500), _transfer(4, B, vault, BOT, 480)]
    (s,) = swaps_from_logs([swap], moves, {"0xt": USER}, V4Pools())
    assert (s.protocol, s.pool, s.sender, s.recipient) == ("balancer_v2", "0x" + "55" * 20,
                                                           BOT, BOT)
    assert (s.token_in, s.token_out, s.amount_in, s.amount_out) == (A, B, 500, 480)


def test_curve_token_exchange_and_underlying() -> None:
    exchange = _log(2, POOL, (CURVE_EXCHANGE, _topic(USER)),
                    encode(["int128", "uint256", "int128", "uint256"], [0, 700, 1, 690]))
    moves = [_transfer(1, A, USER, POOL, 700), _transfer(3, B, POOL, USER, 690)]
    (s,) = swaps_from_logs([exchange], moves, {"0xt": USER}, V4Pools())
    assert (s.protocol, s.pool, s.token_in, s.token_out) == ("curve", POOL, A, B)
    assert (s.amount_in, s.amount_out, s.sender, s.recipient) == (700, 690, USER, USER)
    underlying = _log(2, POOL, (CURVE_EXCHANGE_UNDERLYING, _topic(USER)),
                      encode(["int128", "uint256", "int128", "uint256"], [1, 300, 2, 299]))
    moves = [_transfer(1, B, USER, POOL, 300), _transfer(3, C, POOL, USER, 299)]
    (u,) = swaps_from_logs([underlying], moves, {"0xt": USER}, V4Pools())
    assert (u.token_in, u.token_out, u.amount_in, u.amount_out) == (B, C, 300, 299)
    eth_leg = [_transfer(1, A, USER, POOL, 700)]  # ETH out: no Transfer event
    assert swaps_from_logs([exchange], eth_leg, {"0xt": USER}, V4Pools()) == []
