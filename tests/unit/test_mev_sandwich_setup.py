"""SANDWICH_SETUP lifecycle on synthetic pending transactions: raise, confirm, retract,
and the selectivity that keeps it quiet on ordinary traffic."""

from __future__ import annotations

import asyncio

from hafeniq_chain.core.finding import Finding
from hafeniq_chain.core.reasons import ReasonCode
from hafeniq_chain.decode.records import PendingTxRecord
from hafeniq_chain.detect.base import DetectionContext
from hafeniq_chain.detect.mev.pending_intent import swap_intent
from hafeniq_chain.detect.mev.sandwich_setup import EXPIRY_BLOCKS, SandwichSetupDetector
from tests.support.pending_swaps import (
    BOT,
    OTHER,
    ROUTER,
    TOKEN_A,
    TOKEN_B,
    VICTIM,
    block_of,
    mined_swap,
    router_swap,
    sandwich_block,
)

CTX = DetectionContext(chain_id=1)


def _pending(det: SandwichSetupDetector, *txs: PendingTxRecord) -> list[Finding]:
    return [f for tx in txs for f in asyncio.run(det.on_pending(tx, CTX))]


class _TraceOf:
    """A simulator answering from a fixed table of inner calls (plain data, no node)."""

    def __init__(self, calls: dict[str, list[tuple[str, bytes]]]) -> None:
        self.calls = calls
        self.asked: list[str] = []

    async def inner_calls(self, tx: PendingTxRecord) -> list[tuple[str, bytes]]:
        self.asked.append(tx.hash)
        return self.calls[tx.hash]


def test_front_and_paired_backrun_around_a_victim_raise_then_confirm() -> None:
    det = SandwichSetupDetector()
    victim = router_swap("0xv", VICTIM, 2, [TOKEN_A, TOKEN_B])
    front = router_swap("0xf", BOT, 50, [TOKEN_A, TOKEN_B], nonce=7)
    back = router_swap("0xb", BOT, 1, [TOKEN_B, TOKEN_A], nonce=8)
    assert _pending(det, victim, front) == []  # outbidding alone is ordinary
    (setup,) = _pending(det, back)
    assert setup.reason_codes == (ReasonCode.SANDWICH_SETUP, ReasonCode.PRIORITY_FEE_OUTBID,
                                  ReasonCode.SANDWICH_BACKRUN)
    assert setup.details["status"] == "pending" and setup.status == "open"
    assert setup.tx_hashes == ("0xf", "0xv", "0xb") and setup.block_to is None
    (done,) = asyncio.run(det.on_block(sandwich_block(10, ["0xv"]), CTX))
    assert done.status == "confirmed" and done.score > setup.score
    assert done.dedup_key == setup.dedup_key and done.block_to == 10
    assert done.tx_hashes == ("0xf", "0xv", "0xb")
    assert BOT in det.sandwichers and det.book.swaps == {}


def test_front_included_without_a_sandwich_is_retracted() -> None:
    det = SandwichSetupDetector()
    _pending(det, router_swap("0xv", VICTIM, 2, [TOKEN_A, TOKEN_B]),
             router_swap("0xf", BOT, 50, [TOKEN_A, TOKEN_B], nonce=1),
             router_swap("0xb", BOT, 1, [TOKEN_B, TOKEN_A], nonce=2))
    block = block_of(10, [mined_swap("0xf", 0, BOT, TOKEN_A, TOKEN_B)])
    (done,) = asyncio.run(det.on_block(block, CTX))
    assert done.status == "retracted" and done.score < 0.1 and det.setups == {}


def test_ordinary_traffic_raises_nothing() -> None:
    """Higher tips, opposite directions, one sender's buy then sell with no victim between
    (its sell tips more than the other's buy), and junk calldata."""
    det = SandwichSetupDetector()
    assert _pending(
        det, router_swap("0xv", VICTIM, 10, [TOKEN_A, TOKEN_B]),
        router_swap("0x1", OTHER, 50, [TOKEN_A, TOKEN_B], nonce=1),
        router_swap("0x2", OTHER, 1, [TOKEN_B, TOKEN_A], nonce=0),  # lower nonce: not a back
        router_swap("0x3", BOT, 20, [TOKEN_A, TOKEN_B], nonce=4),
        router_swap("0x4", BOT, 15, [TOKEN_B, TOKEN_A], nonce=5)) == []
    junk = PendingTxRecord(hash="0x5", first_seen_ms=0, from_addr=OTHER, to_addr=ROUTER,
                           value=0, input=bytes.fromhex("38ed1739") + b"\x01\x02")
    assert _pending(det, junk) == [] and det.skipped == 1
    assert swap_intent(junk) is None


def test_known_sandwicher_raises_without_a_backrun_and_expires() -> None:
    det = SandwichSetupDetector()
    det.sandwichers.add(BOT)
    asyncio.run(det.on_block(block_of(3, []), CTX))
    (setup,) = _pending(det, router_swap("0xv", VICTIM, 1, [TOKEN_A, TOKEN_B]),
                        router_swap("0xf", BOT, 5, [TOKEN_A, TOKEN_B]))
    assert ReasonCode.SANDWICH_HISTORY in setup.reason_codes and setup.block_from == 3
    retracted = [f for n in range(4, 4 + EXPIRY_BLOCKS)
                 for f in asyncio.run(det.on_block(block_of(n, []), CTX))]
    assert [f.status for f in retracted] == ["retracted"] and det.book.swaps == {}


def test_a_helper_contract_front_run_is_read_by_simulation() -> None:
    """The bot calls its own contract; only the simulated inner router call shows the swap.
    Pending transactions that could not matter are never simulated."""
    helper = "0x" + "77" * 20
    inner_buy = router_swap("x", helper, 0, [TOKEN_A, TOKEN_B]).input
    inner_sell = router_swap("x", helper, 0, [TOKEN_B, TOKEN_A]).input
    sim = _TraceOf({"0xf": [(helper, b"\x47\x36\x1d\x51"), (ROUTER, inner_buy)],
                    "0xb": [(helper, b"\x5b\x23\xcb\x43"), (ROUTER, inner_sell)]})
    ctx = DetectionContext(chain_id=1, simulator=sim)
    det = SandwichSetupDetector()

    def call(h: str, tip: int, nonce: int) -> PendingTxRecord:
        return PendingTxRecord(hash=h, first_seen_ms=0, from_addr=BOT, to_addr=helper,
                               value=0, input=b"\x47\x36\x1d\x51" + bytes(96), nonce=nonce,
                               max_priority_fee=tip)

    plain = PendingTxRecord(hash="0xt", first_seen_ms=0, from_addr=OTHER, to_addr=helper,
                            value=0, input=b"\xa9\x05\x9c\xbb" + bytes(64), max_priority_fee=1)
    found = [f for tx in (plain, router_swap("0xv", VICTIM, 2, [TOKEN_A, TOKEN_B]),
                          call("0xf", 50, 1), call("0xb", 1, 2))
             for f in asyncio.run(det.on_pending(tx, ctx))]
    assert sim.asked == ["0xf", "0xb"]
    (setup,) = found
    assert setup.tx_hashes == ("0xf", "0xv", "0xb") and setup.details["simulated"]


def test_a_sighting_after_its_block_is_ignored() -> None:
    det = SandwichSetupDetector()
    asyncio.run(det.on_block(block_of(5, [mined_swap("0xv", 0, VICTIM, TOKEN_A, TOKEN_B)]), CTX))
    assert _pending(det, router_swap("0xv", VICTIM, 1, [TOKEN_A, TOKEN_B])) == []
    assert det.book.swaps == {}


def test_a_bot_contract_with_two_operators_is_set_up_and_confirmed() -> None:
    """Front-run and back-run sent by two accounts through one bot contract: paired by the
    contract (simulated inner swaps), raised before the block, confirmed by the mined
    sandwich whose legs the contract received and paid."""
    helper, op2 = "0x" + "77" * 20, "0x" + "04" * 20
    inner_buy = router_swap("x", helper, 0, [TOKEN_A, TOKEN_B]).input
    inner_sell = router_swap("x", helper, 0, [TOKEN_B, TOKEN_A]).input
    sim = _TraceOf({"0xf": [(helper, b"\x47\x36\x1d\x51"), (ROUTER, inner_buy)],
                    "0xb": [(helper, b"\x5b\x23\xcb\x43"), (ROUTER, inner_sell)]})
    ctx = DetectionContext(chain_id=1, simulator=sim)
    det = SandwichSetupDetector()

    def call(h: str, sender: str, tip: int) -> PendingTxRecord:
        return PendingTxRecord(hash=h, first_seen_ms=0, from_addr=sender, to_addr=helper,
                               value=0, input=b"\x47\x36\x1d\x51" + bytes(96), nonce=0,
                               max_priority_fee=tip)

    found = [f for tx in (router_swap("0xv", VICTIM, 2, [TOKEN_A, TOKEN_B]),
                          call("0xf", BOT, 50), call("0xb", op2, 1))
             for f in asyncio.run(det.on_pending(tx, ctx))]
    (setup,) = found
    assert setup.tx_hashes == ("0xf", "0xv", "0xb")
    assert ReasonCode.SANDWICH_BACKRUN in setup.reason_codes
    assert setup.details["actors"] == [helper, BOT, op2]
    (done,) = asyncio.run(det.on_block(sandwich_block(10, ["0xv"], back_from=op2, via=helper),
                                       ctx))
    assert done.status == "confirmed" and {helper, BOT, op2} <= det.sandwichers
