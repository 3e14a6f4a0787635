"""A pre-inclusion finding's lifecycle in PostgreSQL: one row, first-seen time kept, status
set by the block that confirms or refutes it, and fusion following it."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from hafeniq_chain.core.policy import Policy
from hafeniq_chain.decode.records import PendingTxRecord
from hafeniq_chain.detect.base import DetectionContext
from hafeniq_chain.detect.mev.sandwich_setup import SandwichSetupDetector
from hafeniq_chain.fuse.engine import IncidentEngine
from tests.support.pending_swaps import (
    BOT,
    TOKEN_A,
    TOKEN_B,
    VICTIM,
    block_of,
    mined_swap,
    router_swap,
    sandwich_block,
)

pytestmark = pytest.mark.integration
CTX = DetectionContext(chain_id=1)


def _pending_legs() -> list[PendingTxRecord]:
    return [router_swap("0xv", VICTIM, 2, [TOKEN_A, TOKEN_B]),
            router_swap("0xf", BOT, 50, [TOKEN_A, TOKEN_B], nonce=1),
            router_swap("0xb", BOT, 1, [TOKEN_B, TOKEN_A], nonce=2)]


async def _raise_setup(engine: IncidentEngine, det: SandwichSetupDetector) -> None:
    for tx in _pending_legs():
        findings = await det.on_pending(tx, CTX)
        if findings:
            await engine.process(findings)


async def test_confirmed_setup_keeps_its_first_seen_time(pool: asyncpg.Pool) -> None:
    engine, det = IncidentEngine(pool, Policy(), []), SandwichSetupDetector()
    await _raise_setup(engine, det)
    first = await pool.fetchrow("SELECT * FROM findings WHERE detector = 'sandwich_setup'")
    assert first["status"] == "open" and first["block_to"] is None
    await asyncio.sleep(0.05)
    (decision,) = await engine.process(await det.on_block(sandwich_block(10, ["0xv"]), CTX))
    (row,) = await pool.fetch("SELECT * FROM findings WHERE detector = 'sandwich_setup'")
    assert row["id"] == first["id"] and row["created_at"] == first["created_at"]
    assert row["status"] == "confirmed" and row["block_to"] == 10 and row["score"] == 0.95
    assert decision.risk.score > 900 and not decision.opened  # same incident, upgraded


async def test_retracted_setup_leaves_the_incident(pool: asyncpg.Pool) -> None:
    engine, det = IncidentEngine(pool, Policy(), []), SandwichSetupDetector()
    await _raise_setup(engine, det)
    opened = await pool.fetchval("SELECT risk_score FROM incidents")
    block = block_of(10, [mined_swap("0xf", 0, BOT, TOKEN_A, TOKEN_B)])
    (decision,) = await engine.process(await det.on_block(block, CTX))
    status = await pool.fetchval("SELECT status FROM findings WHERE detector = 'sandwich_setup'")
    assert status == "retracted" and decision.risk.score < opened
    assert decision.risk.contributions == ()
