"""Flash-loan voting on plain blocks: the full pattern fires, each missing step is a miss."""

from __future__ import annotations

from hafeniq_chain.core.reasons import ReasonCode
from hafeniq_chain.detect.base import DetectionContext
from hafeniq_chain.detect.governance.flash_loan_vote import FlashLoanVoteDetector
from tests.unit.governance_blocks import E18, GOV, TOKEN, ZERO, BlockBuilder, addr

CTX = DetectionContext(chain_id=31337)
VOTER, ATTACKER = addr(0xF1A5), addr(0xA77)
LOAN = 5_000_000 * E18


def _flash_tx(b: BlockBuilder, *, release: bool = True, delegate: bool = True
              ) -> BlockBuilder:
    b.tx("0xattack", ATTACKER).transfer("0xattack", ZERO, VOTER, LOAN)
    if delegate:
        b.delegate("0xattack", VOTER, VOTER, 10 * E18, 10 * E18 + LOAN)
    b.vote("0xattack", VOTER)
    if release:
        b.transfer("0xattack", VOTER, ZERO, LOAN)
    return b


async def _run(*blocks: BlockBuilder) -> list:
    det = FlashLoanVoteDetector()
    # the token is known as a votes token from an ordinary earlier delegation
    await det.on_block(BlockBuilder(1).delegate("0xold", addr(5), addr(5)).bundle, CTX)
    out = []
    for b in blocks:
        out += await det.on_block(b.bundle, CTX)
    return out


async def test_one_transaction_flash_vote_names_tx_voter_token_amount_and_proposal() -> None:
    findings = await _run(_flash_tx(BlockBuilder(10)))
    assert len(findings) == 1
    f = findings[0]
    assert f.reason_codes == (ReasonCode.FLASH_LOAN_VOTE,)
    assert f.tx_hashes == ("0xattack",) and f.block_from == f.block_to == 10
    assert {VOTER, ATTACKER, TOKEN, GOV} <= set(f.entities)
    assert f.details["borrowed_amount"] == str(LOAN) and f.details["proposal_id"] == "7"
    assert f.details["minted"] is True and f.severity.value == "critical"
    assert f.score >= 0.9 and f.confidence.low <= f.score <= f.confidence.high


async def test_power_kept_after_the_vote_is_not_a_flash_vote() -> None:
    assert await _run(_flash_tx(BlockBuilder(10), release=False)) == []


async def test_no_delegation_change_is_not_a_flash_vote() -> None:
    assert await _run(_flash_tx(BlockBuilder(10), delegate=False)) == []


async def test_multi_block_borrow_vote_repay_fires_when_the_power_leaves() -> None:
    lender = addr(0x1E4D)
    acquire = BlockBuilder(20).tx("0xa", VOTER).transfer("0xa", lender, VOTER, LOAN) \
        .delegate("0xa", VOTER, VOTER, 0, LOAN)
    vote = BlockBuilder(21).tx("0xv", VOTER).vote("0xv", VOTER)
    idle = BlockBuilder(22)
    repay = BlockBuilder(23).tx("0xr", VOTER).transfer("0xr", VOTER, lender, LOAN)
    findings = await _run(acquire, vote, idle, repay)
    assert len(findings) == 1
    f = findings[0]
    assert f.block_from == 20 and f.block_to == 23
    assert set(f.tx_hashes) == {"0xa", "0xv", "0xr"} and f.details["minted"] is False
    assert f.details["sources"] == [lender]


async def test_repay_after_the_window_is_a_miss() -> None:
    lender = addr(0x1E4D)
    acquire = BlockBuilder(20).tx("0xa", VOTER).transfer("0xa", lender, VOTER, LOAN) \
        .delegate("0xa", VOTER, VOTER, 0, LOAN)
    vote = BlockBuilder(21).tx("0xv", VOTER).vote("0xv", VOTER)
    late = [BlockBuilder(n) for n in range(22, 30)]
    repay = BlockBuilder(30).tx("0xr", VOTER).transfer("0xr", VOTER, lender, LOAN)
    assert await _run(acquire, vote, *late, repay) == []
