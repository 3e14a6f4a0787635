"""MEV clustering on synthetic blocks: repeat bracketing is flagged, victims and noise not."""

from __future__ import annotations

import asyncio
import random

from hafeniq_chain.core.finding import Finding
from hafeniq_chain.core.reasons import ReasonCode
from hafeniq_chain.decode.records import BlockBundle, SwapRecord, TxRecord
from hafeniq_chain.detect.base import DetectionContext
from hafeniq_chain.detect.mev.mev_cluster import (
    MevClusterDetector,
    MevClusterSettings,
    adjacency_marks,
)

POOL = "0x" + "77" * 20
A, B = "0x" + "0a" * 20, "0x" + "0b" * 20
BOT, BOT2, CONTRACT = "0x" + "b0" * 20, "0x" + "b1" * 20, "0x" + "c0" * 20
CTX = DetectionContext(chain_id=1)


def _swap(block: int, idx: int, actor: str, tin: str, tout: str,
          via: str | None = None) -> SwapRecord:
    return SwapRecord(block_number=block, tx_hash=f"0x{block:032x}{idx:032x}", tx_index=idx,
                      position="log:0", protocol="uniswap_v2", pool=POOL, tx_from=actor,
                      sender=via or actor, recipient=via or actor, token_in=tin, token_out=tout,
                      amount_in=1, amount_out=1, source="log")


def _sandwich_block(n: int, victim: str, back_actor: str = BOT) -> BlockBundle:
    swaps = [_swap(n, 0, BOT, A, B, CONTRACT), _swap(n, 1, victim, A, B),
             _swap(n, 2, back_actor, B, A, CONTRACT)]
    txs = [TxRecord(hash=s.tx_hash, block_number=n, tx_index=s.tx_index, from_addr=s.tx_from,
                    to_addr=POOL, value=0, input=b"", private=s.tx_from != victim)
           for s in swaps]
    return BlockBundle(chain_id=1, number=n, hash=f"0x{n:064x}", parent_hash=f"0x{n-1:064x}",
                       timestamp=0, transactions=txs, swaps=swaps)


def _run(det: MevClusterDetector, blocks: list[BlockBundle]) -> list[Finding]:
    async def go() -> list[Finding]:
        return [f for b in blocks for f in await det.on_block(b, CTX)]
    return asyncio.run(go())


def test_marks_only_front_and_back_runners() -> None:
    marks = adjacency_marks(_sandwich_block(1, "0x" + "99" * 20).swaps)
    assert {m[0] for m in marks} == {CONTRACT}  # the bot contract both legs went through


def test_repeat_sandwicher_is_flagged_once_with_its_cluster_and_private_flow() -> None:
    blocks = [_sandwich_block(n, f"0x{n:040x}", BOT2 if n == 2 else BOT) for n in range(1, 7)]
    findings = _run(MevClusterDetector(MevClusterSettings(min_blocks=4)), blocks)
    assert [f.block_to for f in findings] == [4]
    (f,) = findings
    assert f.reason_codes == (ReasonCode.MEV_ADJACENCY, ReasonCode.PRIVATE_ORDERFLOW)
    assert set(f.details["actors"]) == {CONTRACT, BOT, BOT2}  # the bot and its operators


def test_random_traders_are_not_flagged() -> None:
    rng = random.Random(4)
    traders = [f"0x{i:040x}" for i in range(1, 301)]
    blocks = []
    for n in range(1, 400):
        swaps = [_swap(n, i, rng.choice(traders), *rng.choice([(A, B), (B, A)]))
                 for i in range(rng.randrange(0, 6))]
        blocks.append(BlockBundle(chain_id=1, number=n, hash=f"0x{n:064x}",
                                  parent_hash=f"0x{n-1:064x}", timestamp=0, swaps=swaps))
    assert _run(MevClusterDetector(), blocks) == []
