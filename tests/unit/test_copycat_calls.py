"""Copycat waves from calldata: replayed payout calls with an address swapped, and the
busy-contract look-alikes that must stay silent."""

from __future__ import annotations

from eth_abi import encode

from hafeniq_chain.core.reasons import ReasonCode
from hafeniq_chain.detect.bridge.calldata_shape import differing_span, swapped_address
from hafeniq_chain.detect.bridge.copycat_wave import CopycatWaveDetector
from tests.support.blocks import BlockBuilder, addr, run_blocks

BRIDGE, TOKEN = addr(0xB1), addr(0x70)
PROCESS = bytes.fromhex("928bc4b2")  # process(bytes)


def _message(recipient: str, amount: int = 10**9) -> bytes:
    inner = encode(["address", "address", "uint256", "uint256", "bytes32"],
                   [TOKEN, recipient, amount, 10, b"\x00" * 32])
    return PROCESS + encode(["bytes"], [inner])


def test_differing_span_and_swapped_address() -> None:
    a, b = _message(addr(1)), _message(addr(2))
    start, end = differing_span(a, b) or (0, 0)
    assert end - start <= 20
    assert swapped_address(a, b, {addr(2)}) == addr(2)
    assert swapped_address(a, b, {addr(3)}) is None            # not the payout recipient
    assert swapped_address(a, _message(addr(2), 5), {addr(2)}) is None  # amount differs too
    assert differing_span(a, a) is None


def _wave(n: int, *, pay_in: bool = False, payout: bool = True, per_block: int = 1,
          fresh: bool = True) -> list[BlockBuilder]:
    blocks: list[BlockBuilder] = []
    for i in range(n):
        if i % per_block == 0:
            blocks.append(BlockBuilder(100 + len(blocks), (100 + len(blocks)) * 12))
        b, sender = blocks[-1], addr(0xC000 + i)
        h = b.tx(sender, BRIDGE, _message(sender), value=10**17 if pay_in else 0,
                 nonce=0 if fresh else 9)
        if payout:
            b.transfer(h, TOKEN, BRIDGE, sender, 10**9)
    return blocks


def test_five_senders_replaying_a_payout_call_make_one_wave() -> None:
    findings = run_blocks([CopycatWaveDetector()], [b.bundle() for b in _wave(12)])
    assert findings
    first = findings[0]
    assert first.reason_codes == (ReasonCode.COPYCAT_WAVE,)
    assert len(first.tx_hashes) == 5  # the whole wave so far, the first exploit included
    assert first.details["evidence"] == "calldata"
    assert {f.details["correlation_key"] for f in findings} == {first.details["correlation_key"]}
    fresh = next(d for d in first.deltas if d.feature == "fresh_sender_share")
    assert fresh.observed == 1.0
    assert sum(len(f.tx_hashes) for f in findings) == 12


def test_look_alikes_stay_silent() -> None:
    det = CopycatWaveDetector
    assert run_blocks([det()], [b.bundle() for b in _wave(4)]) == []  # too few senders
    assert run_blocks([det()], [b.bundle() for b in _wave(20, pay_in=True)]) == []  # trades
    assert run_blocks([det()], [b.bundle() for b in _wave(20, payout=False)]) == []  # delegate


def test_learned_normal_raises_the_bar_for_routine_claims() -> None:
    det = CopycatWaveDetector()
    routine = []  # 3 claimers every 100 blocks for a long time: normal for this contract
    for k in range(40):
        for b in _wave(3, per_block=3):
            b.number, b.timestamp = 1000 + 100 * k, (1000 + 100 * k) * 12
            routine.append(b.bundle())
    assert run_blocks([det], routine) == []
    late = _wave(6, per_block=6)
    late[0].number, late[0].timestamp = 9000, 9000 * 12
    assert run_blocks([det], [late[0].bundle()]) == []  # 6 < 3 x learned peak of 3
