"""Drift detector on synthetic call streams: quiet on stationary traffic, fast on bursts."""

from __future__ import annotations

import asyncio
import json
import random

from hafeniq_chain.core.finding import Finding
from hafeniq_chain.core.reasons import ReasonCode
from hafeniq_chain.decode.records import BlockBundle, TxRecord
from hafeniq_chain.detect.base import DetectionContext
from hafeniq_chain.detect.drift.drift import DriftDetector, DriftSettings, arg_bucket

POOL = "0x" + "aa" * 20
SELECTOR = bytes.fromhex("a9059cbb")
CTX = DetectionContext(chain_id=1)


def _addr(i: int) -> str:
    return "0x" + f"{i:040x}"


def _tx(block: int, idx: int, sender: str, amount: int, gas: int) -> TxRecord:
    data = SELECTOR + amount.to_bytes(32, "big")
    return TxRecord(hash=f"0x{block:032x}{idx:032x}", block_number=block, tx_index=idx,
                    from_addr=sender, to_addr=POOL, value=0, input=data, status=1,
                    gas_used=gas)


def _benign_block(rng: random.Random, number: int) -> list[TxRecord]:
    n = sum(1 for _ in range(12) if rng.random() < 0.5)  # Binomial(12, 0.5): ~6 calls/block
    return [_tx(number, i, _addr(rng.randrange(200)), rng.randrange(10**18, 10**19),
                int(rng.gauss(60_000, 3_000))) for i in range(n)]


def _bundle(number: int, txs: list[TxRecord]) -> BlockBundle:
    return BlockBundle(chain_id=1, number=number, hash=f"0x{number:064x}",
                       parent_hash=f"0x{number - 1:064x}", timestamp=number * 12,
                       transactions=txs)


def _run(detector: DriftDetector, blocks: list[BlockBundle]) -> list[Finding]:
    async def go() -> list[Finding]:
        out: list[Finding] = []
        for b in blocks:
            out += await detector.on_block(b, CTX)
        return out
    return asyncio.run(go())


def test_stationary_stream_produces_no_finding_after_warmup() -> None:
    rng = random.Random(11)
    blocks = [_bundle(n, _benign_block(rng, n)) for n in range(1, 601)]
    detector = DriftDetector(DriftSettings(warmup_blocks=50))
    findings = _run(detector, blocks)
    assert findings == [], [f.summary for f in findings]
    assert detector.states[(POOL, "0xa9059cbb")].blocks_observed == 600


def test_burst_from_a_fresh_address_is_detected_within_its_blocks() -> None:
    rng = random.Random(5)
    blocks = [_bundle(n, _benign_block(rng, n)) for n in range(1, 301)]
    attacker = _addr(10**6)
    burst_blocks = range(301, 304)
    for n in burst_blocks:
        txs = _benign_block(rng, n)
        txs += [_tx(n, 100 + i, attacker, 2 ** rng.randrange(1, 200), 180_000)
                for i in range(20)]
        blocks.append(_bundle(n, txs))
    detector = DriftDetector(DriftSettings(warmup_blocks=50))
    findings = _run(detector, blocks)
    assert findings, "burst missed"
    assert all(f.block_from in burst_blocks for f in findings)
    first = findings[0]
    assert first.block_from == 301
    codes = {c for f in findings for c in f.reason_codes}
    assert {ReasonCode.FLASH_BURST, ReasonCode.CALL_RATE_SHIFT, ReasonCode.PARAM_ENTROPY_SPIKE,
            ReasonCode.GAS_SHAPE_CHANGE} <= codes
    assert attacker in first.entities
    # the burst did not become the baseline
    assert detector.states[(POOL, "0xa9059cbb")].rate.mean < 9


def test_no_alert_during_warmup_even_on_a_burst() -> None:
    rng = random.Random(2)
    blocks = [_bundle(n, _benign_block(rng, n)) for n in range(1, 11)]
    blocks.append(_bundle(11, [_tx(11, i, _addr(10**7), i + 1, 90_000) for i in range(30)]))
    assert _run(DriftDetector(DriftSettings(warmup_blocks=50)), blocks) == []


def test_state_round_trips_through_json_for_the_baselines_table() -> None:
    rng = random.Random(3)
    detector = DriftDetector(DriftSettings(warmup_blocks=5))
    _run(detector, [_bundle(n, _benign_block(rng, n)) for n in range(1, 40)])
    rows = detector.export_baselines()
    restored = DriftDetector(DriftSettings(warmup_blocks=5))
    restored.import_baselines([(scope, json.loads(json.dumps(state)))
                               for scope, state, _ in rows])
    assert restored.export_baselines() == rows
    more = [_bundle(n, _benign_block(random.Random(n), n)) for n in range(40, 60)]
    assert _run(detector, more) == _run(restored, more)


def test_arg_bucket_is_the_bit_length_of_the_first_argument() -> None:
    assert arg_bucket(SELECTOR) == -1
    assert arg_bucket(SELECTOR + (255).to_bytes(32, "big")) == 8


def _seasonal_blocks(rng: random.Random, first: int, last: int) -> list[BlockBundle]:
    """A governor-like function: idle, then a round of 2-9 calls over 1-6 blocks."""
    calls: dict[int, list[TxRecord]] = {}
    for start in range(first, last - 10, 40):
        for _ in range(rng.randint(2, 9)):
            n = start + rng.randint(1, 6)
            calls.setdefault(n, []).append(
                _tx(n, len(calls.get(n, [])), _addr(rng.randrange(10**5)), 7, 50_000))
    return [_bundle(n, calls.get(n, [])) for n in range(first, last)]


def test_seasonal_rounds_are_learned_and_a_real_burst_still_shows() -> None:
    """Rounds of votes (tiny mean rate, busy blocks of up to ~5) are the function's normal
    once a few rounds were seen; 30 calls from a fresh address in one block are not."""
    rng = random.Random(8)
    blocks = _seasonal_blocks(rng, 1, 1200)
    detector = DriftDetector(DriftSettings(warmup_blocks=50))
    assert _run(detector, blocks) == []
    attacker = _addr(10**8)
    burst = _bundle(1200, [_tx(1200, i, attacker, 7, 50_000) for i in range(30)])
    (finding,) = _run(detector, [burst])
    assert ReasonCode.CALL_RATE_SHIFT in finding.reason_codes
    assert ReasonCode.FLASH_BURST in finding.reason_codes


def test_flash_burst_is_reported_in_the_burst_block_only() -> None:
    rng = random.Random(4)
    blocks = [_bundle(n, _benign_block(rng, n)) for n in range(1, 201)]
    blocks.append(_bundle(201, [_tx(201, 50 + i, _addr(10**9), 5, 60_000) for i in range(8)]))
    blocks += [_bundle(n, _benign_block(rng, n)) for n in range(202, 206)]
    findings = _run(DriftDetector(DriftSettings(warmup_blocks=50)), blocks)
    assert [f.block_from for f in findings if ReasonCode.FLASH_BURST in f.reason_codes] == [201]


def test_steady_busy_caller_never_breaks_the_detector() -> None:
    """Issue 18.1: a keeper calling twice every block (>= burst_calls in the window) made
    ``first_seen`` lose it every 4*window+1 blocks while ``recent_calls`` still held it:
    KeyError every ~13 blocks, drift blind on those blocks. It is an old caller, not fresh."""
    rng = random.Random(21)
    keeper = _addr(10**10)
    blocks = []
    for n in range(1, 201):
        txs = _benign_block(rng, n)
        txs += [_tx(n, 90 + i, keeper, 10**18, 60_000) for i in range(2)]
        blocks.append(_bundle(n, txs))
    detector = DriftDetector(DriftSettings(warmup_blocks=50))
    findings = _run(detector, blocks)
    assert findings == [], [f.summary for f in findings]
    state = detector.states[(POOL, "0xa9059cbb")]
    assert state.blocks_observed == 200
    assert state.first_seen[keeper] == 1  # remembered while it keeps calling


def test_restored_state_missing_first_seen_is_repaired() -> None:
    """Baselines stored before the fix may hold a recent caller without ``first_seen``."""
    rng = random.Random(22)
    keeper = _addr(10**11)
    blocks = [_bundle(n, _benign_block(rng, n) + [_tx(n, 90 + i, keeper, 1, 60_000)
                                                  for i in range(2)]) for n in range(1, 60)]
    detector = DriftDetector(DriftSettings(warmup_blocks=5))
    _run(detector, blocks)
    ((scope, state, _),) = detector.export_baselines()
    del state["first_seen"][keeper]
    restored = DriftDetector(DriftSettings(warmup_blocks=5))
    restored.import_baselines([(scope, json.loads(json.dumps(state)))])
    restored_state = restored.states[(POOL, "0xa9059cbb")]
    earliest = min(b for b, c in restored_state.recent_calls if c == keeper)
    assert restored_state.first_seen[keeper] == earliest
