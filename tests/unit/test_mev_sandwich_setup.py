"""SANDWICH_SETUP lifecycle on synthetic pending transactions: raise, confirm, retract."""

from __future__ import annotations

import asyncio

from eth_abi.abi import encode

from hafeniq_chain.decode.records import BlockBundle, PendingTxRecord, SwapRecord
from hafeniq_chain.detect.base import DetectionContext
from hafeniq_chain.detect.finding import Finding
from hafeniq_chain.detect.pending_intent import swap_intent
from hafeniq_chain.detect.reasons import ReasonCode
from hafeniq_chain.detect.sandwich_setup import SandwichSetupDetector

ROUTER = "0x7a250d5630b4cf539739df2c5dacb4c659f2488d"
PAIR = "0x" + "99" * 20
TOKEN_A, TOKEN_B = "0x" + "0a" * 20, "0x" + "0b" * 20
VICTIM, BOT, OTHER = "0x" + "01" * 20, "0x" + "02" * 20, "0x" + "03" * 20
CTX = DetectionContext(chain_id=1)


def _router_swap(h: str, sender: str, tip: int, path: list[str]) -> PendingTxRecord:
    data = bytes.fromhex("38ed1739") + encode(
        ["uint256", "uint256", "address[]", "address", "uint256"], [10**18, 0, path, sender, 9])
    return PendingTxRecord(hash=h, first_seen_ms=0, from_addr=sender, to_addr=ROUTER, value=0,
                           input=data, max_priority_fee=tip)


def _swap(h: str, idx: int, actor: str, tin: str, tout: str) -> SwapRecord:
    return SwapRecord(block_number=10, tx_hash=h, tx_index=idx, position="log:0",
                      protocol="uniswap_v2", pool=PAIR, tx_from=actor, sender=actor,
                      recipient=actor, token_in=tin, token_out=tout, amount_in=100,
                      amount_out=90, source="log")


def _block(number: int, swaps: list[SwapRecord]) -> BlockBundle:
    return BlockBundle(chain_id=1, number=number, hash=f"0x{number:064x}",
                       parent_hash=f"0x{number - 1:064x}", timestamp=0, swaps=swaps)


def _pending(det: SandwichSetupDetector, *txs: PendingTxRecord) -> list[Finding]:
    return [f for tx in txs for f in asyncio.run(det.on_pending(tx, CTX))]


def test_outbidding_same_direction_swap_raises_then_is_confirmed() -> None:
    det = SandwichSetupDetector()
    victim = _router_swap("0xv", VICTIM, 1, [TOKEN_A, TOKEN_B])
    bot = _router_swap("0xf", BOT, 50, [TOKEN_A, TOKEN_B])
    (setup,) = _pending(det, victim, bot)
    assert setup.reason_codes == (ReasonCode.SANDWICH_SETUP, ReasonCode.PRIORITY_FEE_OUTBID)
    assert setup.details["status"] == "pending" and setup.tx_hashes == ("0xf", "0xv")
    block = _block(10, [_swap("0xf", 0, BOT, TOKEN_A, TOKEN_B),
                        _swap("0xv", 1, VICTIM, TOKEN_A, TOKEN_B),
                        _swap("0xb", 2, BOT, TOKEN_B, TOKEN_A)])
    (done,) = asyncio.run(det.on_block(block, CTX))
    assert done.details["status"] == "confirmed" and done.score > setup.score
    assert done.details["setup_key"] == setup.details["setup_key"]
    assert BOT in det.sandwichers


def test_included_without_sandwich_is_retracted() -> None:
    det = SandwichSetupDetector()
    _pending(det, _router_swap("0xv", VICTIM, 1, [TOKEN_A, TOKEN_B]),
             _router_swap("0xf", OTHER, 5, [TOKEN_A, TOKEN_B]))
    block = _block(10, [_swap("0xv", 0, VICTIM, TOKEN_A, TOKEN_B),
                        _swap("0xf", 1, OTHER, TOKEN_A, TOKEN_B)])
    (done,) = asyncio.run(det.on_block(block, CTX))
    assert done.details["status"] == "retracted" and done.score < 0.1
    assert det.setups == {}


def test_no_setup_for_opposite_direction_lower_tip_or_unknown_calldata() -> None:
    det = SandwichSetupDetector()
    victim = _router_swap("0xv", VICTIM, 10, [TOKEN_A, TOKEN_B])
    assert _pending(det, victim, _router_swap("0x1", OTHER, 50, [TOKEN_B, TOKEN_A]),
                    _router_swap("0x2", OTHER, 1, [TOKEN_A, TOKEN_B])) == []
    junk = PendingTxRecord(hash="0x3", first_seen_ms=0, from_addr=OTHER, to_addr=ROUTER,
                           value=0, input=bytes.fromhex("38ed1739") + b"\x01\x02")
    assert _pending(det, junk) == [] and det.skipped == 1
    assert swap_intent(junk) is None


def test_known_sandwicher_raises_even_without_outbidding() -> None:
    det = SandwichSetupDetector()
    det.sandwichers.add(BOT)
    (setup,) = _pending(det, _router_swap("0xv", VICTIM, 10, [TOKEN_A, TOKEN_B]),
                        _router_swap("0xf", BOT, 1, [TOKEN_A, TOKEN_B]))
    assert setup.reason_codes == (ReasonCode.SANDWICH_SETUP,)
