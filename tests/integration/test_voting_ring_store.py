"""voting_ring on real PostgreSQL: a fresh Sybil ring vs a popular vote of old holders.

Blocks are written with the real writer (edges, entities, logs), with timestamps months
apart, as on a chain whose history is long in time but not in blocks.
"""

from __future__ import annotations

import asyncpg
import pytest

from hafeniq_chain.core.finding import Severity
from hafeniq_chain.decode.records import TransferRecord, TxRecord
from hafeniq_chain.detect.base import DetectionContext
from hafeniq_chain.detect.governance.voting_ring import VotingRingDetector
from hafeniq_chain.store.writer import write_blocks
from tests.unit.governance_blocks import BlockBuilder, addr

pytestmark = pytest.mark.integration
DAY = 86_400
NOW = 1_750_000_000
ROUTER, EXCHANGE, FUNDER = addr(0xA0), addr(0xEC), addr(0xF0)


def _block(number: int, ts: int) -> BlockBuilder:
    b = BlockBuilder(number)
    b.bundle.timestamp = ts
    b.bundle.chain_id = 1
    return b


def _pay(b: BlockBuilder, src: str, dst: str, i: int) -> None:
    h = f"0x{b.bundle.number:032x}{i:032x}"
    b.bundle.transactions.append(TxRecord(h, b.bundle.number, i, src, dst, 10**18, b"",
                                          status=1))
    b.bundle.transfers.append(TransferRecord(b.bundle.number, h, i, "call", "", src, dst,
                                             10**18))


def _calls(b: BlockBuilder, sender: str, to: str, k: int, start: int) -> None:
    for j in range(k):
        h = f"0x{b.bundle.number:032x}{start + j:032x}"
        b.bundle.transactions.append(TxRecord(h, b.bundle.number, start + j, sender, to, 0,
                                              b"\x38\xed\x17\x39", status=1))


def _world(voters: list[str], funder: str, funded_ts: int, active: bool,
           first: int, crowd: int = 0) -> list[BlockBuilder]:
    fund = _block(first, funded_ts)
    for i, v in enumerate(voters):
        _pay(fund, funder, v, i)
    blocks = [fund]
    if active:
        act = _block(first + 1, funded_ts + DAY)
        for i, v in enumerate(voters):
            _calls(act, v, ROUTER, 8, 10 * i)
        blocks.append(act)
    dele = _block(first + 2, NOW - 3_600)
    for i, v in enumerate(voters):
        dele.delegate(f"0x{first + 2:032x}{i:032x}", v, v)
    blocks.append(dele)
    early = _block(first + 5, NOW - 600)  # unlinked voters on the same proposal, earlier
    for j in range(crowd):
        early.vote(f"0x{first + 5:032x}{j:032x}", addr(0x9000 + j), proposal=first,
                   support=j % 2)
    blocks.append(early)
    for i, v in enumerate(voters):
        b = _block(first + 10 + i, NOW + 12 * i)
        b.vote(f"0x{first + 10 + i:032x}{0:032x}", v, proposal=first, support=1)
        blocks.append(b)
    return blocks


async def _run(pool: asyncpg.Pool, blocks: list[BlockBuilder]) -> list:  # type: ignore[type-arg]
    det, ctx = VotingRingDetector(), DetectionContext(chain_id=1, pool=pool)
    findings = []
    for b in blocks:
        async with pool.acquire() as conn:
            await write_blocks(conn, [b.bundle])
        findings += await det.on_block(b.bundle, ctx)
    return findings


async def test_fresh_ring_is_reported_with_the_features_that_decided_it(
        pool: asyncpg.Pool) -> None:
    ring = [addr(0x100 + i) for i in range(6)]
    findings = await _run(pool, _world(ring, FUNDER, NOW - 2 * DAY, active=False, first=10))
    assert findings, "the ring raised nothing"
    last = findings[-1]
    assert last.details["funder"] == FUNDER and set(last.details["members"]) == set(ring)
    assert last.severity == Severity.CRITICAL
    features = {d.feature: d.observed for d in last.deltas}
    assert features["recently_funded_share"] == 1.0 and features["newcomer_share"] == 1.0
    assert features["funder_exclusivity"] == 1.0


async def test_popular_vote_of_holders_funded_months_ago_is_not_a_ring(
        pool: asyncpg.Pool) -> None:
    holders = [addr(0x200 + i) for i in range(20)]
    # the exchange paid them 120 days ago (a handful of blocks ago: block count is no clock)
    blocks = _world(holders, EXCHANGE, NOW - 120 * DAY, active=True, first=100)
    assert await _run(pool, blocks) == []


async def test_a_ring_in_a_crowd_is_still_a_ring_and_the_crowd_is_counted(
        pool: asyncpg.Pool) -> None:
    ring = [addr(0x300 + i) for i in range(6)]
    blocks = _world(ring, FUNDER, NOW - DAY, active=False, first=300, crowd=14)
    findings = await _run(pool, blocks)
    assert findings, "a fresh ring beside 14 other voters raised nothing"
    last = findings[-1]
    assert last.details["proposal_voters"] == 20
    share = next(d.observed for d in last.deltas if d.feature == "ring_share_of_voters")
    assert share == 6 / 20 and last.score < 0.9  # damped by the crowd, still reported
