"""JIT liquidity on synthetic blocks: from logs and from trace calls alike."""

from __future__ import annotations

import asyncio

from hafeniq_chain.decode.records import BlockBundle, CallRecord, LogRecord, SwapRecord, TxRecord
from hafeniq_chain.detect.base import DetectionContext
from hafeniq_chain.detect.mev.jit import JitDetector, get_jit_liquidity

POOL = "0x" + "11" * 20
LP = "0x" + "22" * 20
USER = "0x" + "33" * 20
V3_MINT = "0x7a53080ba414158be7ec69b987b5fb7d07dee101fe85488f0853ae16239d0bde"
V3_BURN = "0x0c396cd989a39f4459b5fa1aed6a9a8dcdbc45908acfd67e028cd568da98982c"


def _h(i: int) -> str:
    return f"0x{i:064x}"


def _tx(i: int, sender: str) -> TxRecord:
    return TxRecord(hash=_h(i), block_number=1, tx_index=i, from_addr=sender, to_addr=POOL,
                    value=0, input=b"")


def _swap(i: int, sender: str) -> SwapRecord:
    return SwapRecord(block_number=1, tx_hash=_h(i), tx_index=i, position="log:0",
                      protocol="uniswap_v3", pool=POOL, tx_from=sender, sender=sender,
                      recipient=sender, token_in="0xa", token_out="0xb", amount_in=10,
                      amount_out=9, source="log")


def _log(i: int, topic: str) -> LogRecord:
    return LogRecord(block_number=1, log_index=i, tx_hash=_h(i), tx_index=i, address=POOL,
                     topics=(topic,), data=b"")


def _block(**kw: object) -> BlockBundle:
    return BlockBundle(chain_id=1, number=1, hash=_h(99), parent_hash=_h(98), timestamp=0,
                       **kw)  # type: ignore[arg-type]


def test_jit_from_logs() -> None:
    block = _block(transactions=[_tx(0, LP), _tx(1, USER), _tx(2, LP)],
                   logs=[_log(0, V3_MINT), _log(2, V3_BURN)], swaps=[_swap(1, USER)])
    (jit,) = get_jit_liquidity(block)
    assert (jit.actor, jit.pool, jit.mint_tx, jit.victim_txs, jit.burn_tx) == (
        LP, POOL, _h(0), (_h(1),), _h(2))
    (finding,) = asyncio.run(JitDetector().on_block(block, DetectionContext(chain_id=1)))
    assert finding.tx_hashes == (_h(0), _h(1), _h(2))
    assert finding.reason_codes[0].value == "JIT_LIQUIDITY"


def test_jit_from_trace_calls() -> None:
    def call(i: int, selector: str) -> CallRecord:
        return CallRecord(block_number=1, tx_hash=_h(i), tx_index=i, trace_address=(),
                          call_type="call", from_addr=LP, to_addr=POOL, value=0,
                          input=bytes.fromhex(selector))
    block = _block(calls=[call(0, "3c8a7d8d"), call(2, "a34123a7")], swaps=[_swap(1, USER)])
    assert len(get_jit_liquidity(block)) == 1


def test_no_jit_without_a_victim_or_with_a_different_burner() -> None:
    assert get_jit_liquidity(_block(transactions=[_tx(0, LP), _tx(2, LP)],
                                    logs=[_log(0, V3_MINT), _log(2, V3_BURN)])) == []
    block = _block(transactions=[_tx(0, LP), _tx(1, USER), _tx(2, USER)],
                   logs=[_log(0, V3_MINT), _log(2, V3_BURN)], swaps=[_swap(1, USER)])
    assert get_jit_liquidity(block) == []


def test_jit_on_uniswap_v4_modify_liquidity() -> None:
    """V4: one PoolManager, the pool is the id in the event (as in V4 swaps)."""
    from eth_abi.abi import encode

    from hafeniq_chain.decode.log_swaps import V4_MODIFY_LIQUIDITY
    manager, pool_id = "0x" + "44" * 20, "0x" + "ab" * 32

    def modify(i: int, delta: int) -> LogRecord:
        return LogRecord(block_number=1, log_index=i, tx_hash=_h(i), tx_index=i,
                         address=manager, topics=(V4_MODIFY_LIQUIDITY, pool_id, "0x" + "00" * 32),
                         data=encode(["int24", "int24", "int256", "bytes32"],
                                     [-60, 60, delta, b"\0" * 32]))

    from dataclasses import replace
    block = _block(transactions=[_tx(0, LP), _tx(1, USER), _tx(2, LP)],
                   logs=[modify(0, 10**18), modify(2, -10**18)],
                   swaps=[replace(_swap(1, USER), pool=pool_id, protocol="uniswap_v4")])
    (jit,) = get_jit_liquidity(block)
    assert (jit.pool, jit.actor, jit.burn_tx) == (pool_id, LP, _h(2))


def test_a_mint_public_before_the_swaps_is_an_ordinary_provider() -> None:
    from hafeniq_chain.decode.records import PendingTxRecord

    block = _block(transactions=[_tx(0, LP), _tx(1, USER), _tx(2, LP)],
                   logs=[_log(0, V3_MINT), _log(2, V3_BURN)], swaps=[_swap(1, USER)])

    def seen(i: int, ms: int) -> PendingTxRecord:
        return PendingTxRecord(hash=_h(i), first_seen_ms=ms, from_addr=LP, to_addr=POOL,
                               value=0, input=b"")

    ctx = DetectionContext(chain_id=1)
    det = JitDetector()
    for tx in (seen(0, 1), seen(1, 2)):  # the mint was public first: not a reaction
        asyncio.run(det.on_pending(tx, ctx))
    assert asyncio.run(det.on_block(block, ctx)) == []
    det = JitDetector()
    for tx in (seen(1, 1), seen(0, 2)):  # the mint followed the pending swap
        asyncio.run(det.on_pending(tx, ctx))
    assert len(asyncio.run(det.on_block(block, ctx))) == 1
