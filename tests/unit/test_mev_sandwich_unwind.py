"""A sandwich finding needs the back-run to unwind the front-run; the shape alone is not one."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

from hafeniq_chain.decode.records import BlockBundle, SwapRecord
from hafeniq_chain.detect.base import DetectionContext
from hafeniq_chain.detect.mev.sandwich import SandwichDetector, find_sandwiches, unwinds
from hafeniq_chain.replay.mev_inspect import read_mev_inspect

PAIR, WETH, TOKEN = "0x" + "99" * 20, "0x" + "0e" * 20, "0x" + "0a" * 20
TRADER, OTHER = "0x" + "01" * 20, "0x" + "02" * 20


def _swap(h: str, idx: int, actor: str, buy: bool, amount_in: int, amount_out: int
          ) -> SwapRecord:
    tin, tout = (WETH, TOKEN) if buy else (TOKEN, WETH)
    return SwapRecord(block_number=7, tx_hash=h, tx_index=idx, position="log:0",
                      protocol="uniswap_v2", pool=PAIR, tx_from=actor, sender=actor,
                      recipient=actor, token_in=tin, token_out=tout, amount_in=amount_in,
                      amount_out=amount_out, source="log")


def _findings(swaps: list[SwapRecord]) -> list[str]:
    block = BlockBundle(chain_id=1, number=7, hash="0x" + "07" * 32, parent_hash="0x" + "06" * 32,
                        timestamp=0, swaps=swaps)
    return [f.kind for f in asyncio.run(SandwichDetector().on_block(block, DetectionContext(1)))]


def test_a_trader_buying_then_selling_something_else_is_not_a_sandwich() -> None:
    swaps = [_swap("0xa", 0, TRADER, True, 10**18, 5_000),
             _swap("0xb", 1, OTHER, True, 10**17, 490),
             _swap("0xc", 2, TRADER, False, 1_700, 3 * 10**17)]  # sells a third of it
    assert len(find_sandwiches(swaps)) == 1 and _findings(swaps) == []
    unwound = [*swaps[:2], _swap("0xc", 2, TRADER, False, 5_000, 11 * 10**17)]
    assert _findings(unwound) == ["sandwich"]


def test_every_real_sandwich_unwinds(shared_data: Path) -> None:
    found = [s for p in sorted((shared_data / "mev-inspect-py" / "blocks").glob("*.json"))
             for s in find_sandwiches(read_mev_inspect(p).swaps)]
    assert len(found) == 11 and all(unwinds(s) for s in found)


def test_a_router_between_two_users_is_not_a_sandwicher() -> None:
    """One user's buy and another user's sell both pass through a router the detector does
    not know, around a third user's buy: the shape, sent by two accounts."""
    router = "0x" + "44" * 20
    third = "0x" + "03" * 20
    swaps = [replace(_swap("0xa", 0, TRADER, True, 10**18, 5_000), sender=router,
                     recipient=router),
             _swap("0xb", 1, OTHER, True, 10**17, 490),
             replace(_swap("0xc", 2, third, False, 5_000, 11 * 10**17), sender=router,
                     recipient=router)]
    assert [s.sandwicher for s in find_sandwiches(swaps)] == [router]
    assert _findings(swaps) == []
