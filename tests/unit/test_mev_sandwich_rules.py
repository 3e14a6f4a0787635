"""Sandwich identity and evidence rules on hand-made blocks: bot contracts with several
operators, any back-run size, intermediaries learned by behaviour, and the evidence that
turns a tied shape into a finding (or not)."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

from hafeniq_chain.core.finding import Finding, Severity
from hafeniq_chain.decode.records import BlockBundle, PendingTxRecord, SwapRecord
from hafeniq_chain.detect.base import DetectionContext
from hafeniq_chain.detect.mev.sandwich import (
    SandwichDetector,
    SandwichSettings,
    credible_sandwiches,
    find_sandwiches,
    unwinds,
)
from hafeniq_chain.replay.mev_inspect import read_mev_inspect

PAIR, WETH, TOKEN = "0x" + "99" * 20, "0x" + "0e" * 20, "0x" + "0a" * 20
TRADER, OTHER, THIRD = "0x" + "01" * 20, "0x" + "02" * 20, "0x" + "03" * 20
BOT, ROUTER = "0x" + "b0" * 20, "0x" + "44" * 20


def _swap(h: str, idx: int, actor: str, buy: bool, amount_in: int, amount_out: int,
          via: str | None = None) -> SwapRecord:
    tin, tout = (WETH, TOKEN) if buy else (TOKEN, WETH)
    return SwapRecord(block_number=7, tx_hash=h, tx_index=idx, position="log:0",
                      protocol="uniswap_v2", pool=PAIR, tx_from=actor, sender=via or actor,
                      recipient=via or actor, token_in=tin, token_out=tout,
                      amount_in=amount_in, amount_out=amount_out, source="log")


def _block(swaps: list[SwapRecord], number: int = 7) -> BlockBundle:
    return BlockBundle(chain_id=1, number=number, hash=f"0x{number:064x}",
                       parent_hash=f"0x{number - 1:064x}", timestamp=0,
                       swaps=[replace(s, block_number=number) for s in swaps])


def _findings(*blocks: BlockBundle, det: SandwichDetector | None = None) -> list[Finding]:
    det = det or SandwichDetector()
    return [f for b in blocks for f in asyncio.run(det.on_block(b, DetectionContext(1)))]


def test_any_backrun_size_is_reported_and_named() -> None:
    """Full, partial (front-heavy) and inventory (back-heavy) exits, each at a profit."""
    front, victim = _swap("0xa", 0, TRADER, True, 10**18, 5_000), \
        _swap("0xb", 1, OTHER, True, 10**17, 490)
    for sold, got, size in ((5_000, 11 * 10**17, "full"), (2_000, 5 * 10**17, "partial"),
                            (8_000, 17 * 10**17, "inventory")):
        (f,) = _findings(_block([front, victim, _swap("0xc", 2, TRADER, False, sold, got)]))
        assert f.details["back_run"] == size and f.tx_hashes == ("0xa", "0xb", "0xc")
        assert float(f.details["matched_profit"]) > 0


def test_a_losing_round_trip_is_judged_by_when_it_reached_the_mempool() -> None:
    """Buys, another buys, sells a third for less than it paid. A losing sandwich is still
    one (bots misjudge; profit only sets severity unless ``require_profit``). What tells a
    trader's own round trip apart: its buy was public before the other's swap arrived."""
    swaps = [_swap("0xa", 0, TRADER, True, 10**18, 5_000),
             _swap("0xb", 1, OTHER, True, 10**17, 490),
             _swap("0xc", 2, TRADER, False, 1_700, 3 * 10**17)]
    assert len(find_sandwiches(swaps)) == 1
    (f,) = _findings(_block(swaps))
    assert f.severity == Severity.MEDIUM and float(f.details["matched_profit"]) < 0
    strict = SandwichDetector(SandwichSettings(require_profit=True))
    assert _findings(_block(swaps), det=strict) == []

    def seen(h: str, ms: int) -> PendingTxRecord:
        return PendingTxRecord(hash=h, first_seen_ms=ms, from_addr=TRADER, to_addr=PAIR,
                               value=0, input=b"")

    det = SandwichDetector()
    for tx in (seen("0xa", 1), seen("0xb", 2), seen("0xc", 3)):  # the trader's buy first
        asyncio.run(det.on_pending(tx, DetectionContext(1)))
    assert _findings(_block(swaps), det=det) == []
    det = SandwichDetector()
    for tx in (seen("0xb", 1), seen("0xa", 2)):  # it reacted to the other's swap
        asyncio.run(det.on_pending(tx, DetectionContext(1)))
    (f,) = _findings(_block(swaps), det=det)
    assert any(d.feature == "frontrun_seen_after_victim" and d.observed == 1.0
               for d in f.deltas)


def test_a_bot_contract_driven_by_two_operators_is_one_sandwicher() -> None:
    swaps = [_swap("0xa", 0, TRADER, True, 10**18, 5_000, via=BOT),
             _swap("0xb", 1, OTHER, True, 10**17, 490),
             _swap("0xc", 2, THIRD, False, 5_000, 11 * 10**17, via=BOT)]
    (f,) = _findings(_block(swaps))
    assert f.details["tie"] == "contract" and f.details["bot"] == BOT
    assert f.details["operators"] == sorted([TRADER, THIRD])
    assert set(f.entities) >= {BOT, TRADER, THIRD}


def test_opposite_direction_swap_between_the_legs_breaks_the_bracket() -> None:
    swaps = [_swap("0xa", 0, TRADER, True, 10**18, 5_000),
             _swap("0xb", 1, OTHER, True, 10**17, 490),
             _swap("0xd", 2, THIRD, False, 400, 8 * 10**16),
             _swap("0xc", 3, TRADER, False, 5_000, 11 * 10**17)]
    assert _findings(_block(swaps)) == []


def test_a_router_learned_by_behaviour_is_not_a_sandwicher() -> None:
    """One user's buy and another user's sell both pass through a router no list names,
    around a third user's buy. Unseen, the router is indistinguishable from a bot contract
    with two operators; once many unrelated senders have routed through it, it is an
    intermediary and the shape is not reported."""
    swaps = [_swap("0xa", 0, TRADER, True, 10**18, 5_000, via=ROUTER),
             _swap("0xb", 1, OTHER, True, 10**17, 490),
             _swap("0xc", 2, THIRD, False, 5_000, 11 * 10**17, via=ROUTER)]
    assert [s.sandwicher for s in find_sandwiches(swaps)] == [ROUTER]
    assert len(_findings(_block(swaps))) == 1
    users = [f"0x{i:040x}" for i in range(100, 106)]
    earlier = _block([_swap(f"0x{i:x}", i, u, i % 2 == 0, 10**15, 5, via=ROUTER)
                      for i, u in enumerate(users)], number=6)
    det = SandwichDetector()
    assert _findings(earlier, _block(swaps), det=det) == []
    assert det.book.is_intermediary(ROUTER)


def test_every_real_sandwich_is_credible(shared_data: Path) -> None:
    """All 11 mev-inspect sandwiches in the 26 real blocks pass every evidence rule."""
    found = [s for p in sorted((shared_data / "mev-inspect-py" / "blocks").glob("*.json"))
             for s in find_sandwiches(read_mev_inspect(p).swaps)]
    credible = {(s.frontrun.tx_hash, s.backrun.tx_hash, s.pool)
                for p in sorted((shared_data / "mev-inspect-py" / "blocks").glob("*.json"))
                for s in credible_sandwiches(read_mev_inspect(p).swaps)}
    assert len(found) == 11 and all(unwinds(s) for s in found)
    assert {(s.frontrun.tx_hash, s.backrun.tx_hash, s.pool) for s in found} <= credible


def test_a_block_read_before_its_sightings_waits_one_block() -> None:
    """Live, a busy block can be read before the websocket delivered its pending
    notifications: the verdict waits one block, then the late sightings decide."""
    swaps = [_swap("0xa", 0, TRADER, True, 10**18, 5_000),
             _swap("0xb", 1, OTHER, True, 10**17, 490),
             _swap("0xc", 2, TRADER, False, 5_000, 11 * 10**17)]
    ctx = DetectionContext(1)

    def seen(h: str, ms: int) -> PendingTxRecord:
        return PendingTxRecord(hash=h, first_seen_ms=ms, from_addr=TRADER, to_addr=PAIR,
                               value=0, input=b"")

    for first, expected in (("0xa", 0), ("0xb", 1)):
        det = SandwichDetector()
        asyncio.run(det.on_pending(seen("0xolder", 0), ctx))  # the feed is live
        assert asyncio.run(det.on_block(_block(swaps), ctx)) == []  # sightings not in yet
        second = "0xb" if first == "0xa" else "0xa"
        for tx in (seen(first, 1), seen(second, 2)):
            asyncio.run(det.on_pending(tx, ctx))
        later = asyncio.run(det.on_block(_block([], number=8), ctx))
        assert len(later) == expected and all(f.block_to == 7 for f in later)
