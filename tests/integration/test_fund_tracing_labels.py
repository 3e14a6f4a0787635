"""fund_tracing on real PostgreSQL: proceeds reaching an address labelled in ``entities``."""

from __future__ import annotations

import asyncpg
import pytest

from hafeniq_chain.detect.base import DetectionContext
from hafeniq_chain.detect.bridge.fund_tracing import FundTracingDetector, TraceSettings
from hafeniq_chain.detect.bridge.incident_links import Lead, links
from tests.support.blocks import BlockBuilder, addr

pytestmark = pytest.mark.integration
TOKEN, THIEF, EXCHANGE, MID = addr(0x70), addr(0xBAD), addr(0xEC), addr(0xF1)


async def _labelled_world(pool: asyncpg.Pool, det: FundTracingDetector) -> list:  # type: ignore[type-arg]
    await pool.execute("INSERT INTO chains (chain_id) VALUES (1)")
    await pool.execute("INSERT INTO entities (chain_id, address, labels) VALUES "
                       "(1, $1, ARRAY['exchange:deposit'])", EXCHANGE)
    ctx = DetectionContext(chain_id=1, pool=pool)
    links(ctx).publish(Lead("0xdrain", 0, 5, 500, TOKEN, THIEF, 10**12, "k", "test"))
    b1, b2 = BlockBuilder(6, 560), BlockBuilder(7, 700)
    b1.transfer(b1.tx(THIEF, TOKEN), TOKEN, THIEF, MID, 10**12)
    b2.transfer(b2.tx(MID, TOKEN), TOKEN, MID, EXCHANGE, 10**12)
    out = []
    for b in (b1, b2):
        out += await det.on_block(b.bundle(), ctx)
    return out


async def test_only_the_configured_label_prefixes_are_exits(pool: asyncpg.Pool) -> None:
    det = FundTracingDetector(TraceSettings(exit_labels=("mixer", "sanctioned")))
    assert await _labelled_world(pool, det) == []


async def test_two_hops_into_a_labelled_exchange_deposit_address(pool: asyncpg.Pool) -> None:
    findings = await _labelled_world(pool, FundTracingDetector())
    assert [f.kind for f in findings] == ["laundering_hops"]
    f = findings[0]
    assert [(h["from"], h["to"]) for h in f.details["hops"][1:]] == [(THIEF, MID),
                                                                      (MID, EXCHANGE)]
    assert f.details["exit_labels"] == ["exchange:deposit"]
    assert "labelled address" in f.summary

