"""Proposal bursts, delegation spikes before a snapshot, power concentration, privileged
calldata: each on plain blocks, with a near miss."""

from __future__ import annotations

from eth_utils.abi import function_signature_to_4byte_selector

from hafeniq_chain.core.finding import Finding
from hafeniq_chain.core.reasons import ReasonCode
from hafeniq_chain.detect.base import DetectionContext
from hafeniq_chain.detect.governance.governance_signals import GovernanceSignalsDetector
from hafeniq_chain.detect.governance.privileged_proposal import PrivilegedProposalDetector
from tests.unit.governance_blocks import E18, GOV, TOKEN, BlockBuilder, addr

CTX = DetectionContext(chain_id=31337)
WHALE = addr(0xDE9)


def _sel(signature: str, args: bytes = b"\x00" * 32) -> bytes:
    return function_signature_to_4byte_selector(signature) + args


async def _warm(det: GovernanceSignalsDetector, blocks: int = 250) -> int:
    """A quiet DAO: a whale's 9M delegated at block 1, then small transfers between holders."""
    await det.on_block(BlockBuilder(1).delegate("0xw", WHALE, WHALE, 0, 9_000_000 * E18)
                       .bundle, CTX)
    for n in range(2, blocks):
        holder = addr(0x500 + n % 7)
        await det.on_block(BlockBuilder(n).votes_changed(f"0x{n:x}", holder, E18, 2 * E18)
                           .bundle, CTX)
    return blocks


def _kinds(findings: list[Finding]) -> list[str]:
    return [f.kind for f in findings]


async def test_ring_sized_delegations_right_before_a_snapshot_are_a_spike() -> None:
    det = GovernanceSignalsDetector()
    n = await _warm(det)
    ring = [addr(0x700 + i) for i in range(5)]
    out: list[Finding] = []
    for i, r in enumerate(ring):
        out += await det.on_block(BlockBuilder(n + i).delegate(f"0xd{i}", r, r, 0,
                                                               50_000 * E18).bundle, CTX)
    assert out == []  # no proposal pending yet: a spike alone is not raised
    out = await det.on_block(BlockBuilder(n + 5).propose("0xp", 9, [TOKEN], [b""],
                                                         n + 6).bundle, CTX)
    spikes = [f for f in out if f.kind == "delegation_spike"]
    assert len(spikes) == 1 and spikes[0].reason_codes == (ReasonCode.DELEGATION_SPIKE,)
    assert set(ring) <= set(spikes[0].entities)
    assert spikes[0].details["snapshot_block"] == n + 6
    assert spikes[0].details["moved"] == str(250_000 * E18)
    again = await det.on_block(BlockBuilder(n + 6).bundle, CTX)
    assert "delegation_spike" not in _kinds(again)  # once per proposal


async def test_same_delegations_far_from_any_snapshot_are_not_raised() -> None:
    det = GovernanceSignalsDetector()
    n = await _warm(det)
    out: list[Finding] = []
    for i in range(5):
        r = addr(0x700 + i)
        out += await det.on_block(BlockBuilder(n + i).delegate(f"0xd{i}", r, r, 0,
                                                               50_000 * E18).bundle, CTX)
    out += await det.on_block(BlockBuilder(n + 40).propose("0xp", 9, [TOKEN], [b""],
                                                           n + 41).bundle, CTX)
    assert "delegation_spike" not in _kinds(out)


async def test_flash_sized_power_jump_is_a_concentration_and_small_one_is_not() -> None:
    det = GovernanceSignalsDetector()
    n = await _warm(det)
    voter = addr(0xF1A5)
    small = await det.on_block(BlockBuilder(n).votes_changed("0xs", voter, 0, 100_000 * E18)
                               .bundle, CTX)
    assert "voting_power_concentration" not in _kinds(small)
    big = BlockBuilder(n + 1).votes_changed("0xf", voter, 100_000 * E18, 8_100_000 * E18) \
        .votes_changed("0xf", voter, 8_100_000 * E18, 100_000 * E18)
    out = [f for f in await det.on_block(big.bundle, CTX)
           if f.kind == "voting_power_concentration"]
    assert len(out) == 1 and out[0].entities[0] == voter and out[0].tx_hashes == ("0xf",)
    assert out[0].details["share_peak"] > 0.4 > out[0].details["share_before"]


async def test_proposal_burst_above_normal_and_an_ordinary_pace_is_quiet() -> None:
    det = GovernanceSignalsDetector()
    n = await _warm(det)
    quiet: list[Finding] = []
    for i in range(6):  # one proposal every 60 blocks
        b = n + 60 * i
        quiet += await det.on_block(BlockBuilder(b).propose(f"0xq{i}", 100 + i, [TOKEN], [b""],
                                                            b + 1).bundle, CTX)
    assert "proposal_burst" not in _kinds(quiet)
    start = n + 400
    burst: list[Finding] = []
    for i in range(6):
        burst += await det.on_block(BlockBuilder(start + i).propose(
            f"0xb{i}", 200 + i, [TOKEN], [b""], start + i + 1, proposer=addr(0xBAD)).bundle,
            CTX)
    hits = [f for f in burst if f.kind == "proposal_burst"]
    assert hits and hits[0].reason_codes == (ReasonCode.PROPOSAL_BURST,)
    assert addr(0xBAD) in hits[0].entities and len(hits[0].tx_hashes) >= 5


async def test_privileged_calldata_and_governor_self_calls_are_flagged() -> None:
    det = PrivilegedProposalDetector()
    proxy = addr(0x9E0)
    block = BlockBuilder(5).propose("0xp1", 1, [proxy, GOV], [
        _sel("upgradeTo(address)"), _sel("updateQuorumNumerator(uint256)")], 6)
    findings = await det.on_block(block.bundle, CTX)
    assert len(findings) == 1
    f = findings[0]
    assert f.reason_codes == (ReasonCode.PRIVILEGED_CALLDATA,) and f.tx_hashes == ("0xp1",)
    whys = {a["why"] for a in f.details["actions"]}
    assert whys == {"upgradeTo(address)", "updateQuorumNumerator(uint256)"}
    assert proxy in f.entities and GOV in f.entities
    own = BlockBuilder(6).propose("0xp2", 2, [GOV], [_sel("cancel(uint256)")], 7)
    assert [a["why"] for a in (await det.on_block(own.bundle, CTX))[0].details["actions"]] \
        == ["call to the governor itself"]


async def test_a_treasury_transfer_proposal_is_not_privileged() -> None:
    det = PrivilegedProposalDetector()
    block = BlockBuilder(5).propose("0xp", 1, [TOKEN], [
        _sel("transfer(address,uint256)", b"\x00" * 64)], 6)
    assert await det.on_block(block.bundle, CTX) == []
