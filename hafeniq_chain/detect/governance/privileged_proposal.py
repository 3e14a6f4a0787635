"""Proposals whose actions touch privileged functions or the governance machinery itself.

Why: a takeover usually ends in one proposal that upgrades a proxy, hands over ownership
or roles, mints, or weakens governance (quorum, delay, timelock). Such calldata deserves a
human look however the vote goes, so this check is a documented rule, not a baseline: the
``ProposalCreated`` targets and calldatas are decoded and each action is matched against
``PRIVILEGED_SIGNATURES`` and against calls to the governor itself.
"""

from __future__ import annotations

from eth_utils.abi import function_signature_to_4byte_selector

from hafeniq_chain.core.finding import FeatureDelta, Finding, Severity
from hafeniq_chain.core.reasons import ReasonCode
from hafeniq_chain.decode.records import BlockBundle
from hafeniq_chain.detect.base import DetectionContext, Detector, Triggers
from hafeniq_chain.detect.governance.events import ProposalCreated, band, proposals_in

PRIVILEGED_SIGNATURES = (
    # proxies and ownership
    "upgradeTo(address)", "upgradeToAndCall(address,bytes)", "changeAdmin(address)",
    "transferOwnership(address)", "renounceOwnership()", "setOwner(address)",
    "setImplementation(address)",
    # access control
    "grantRole(bytes32,address)", "revokeRole(bytes32,address)",
    "renounceRole(bytes32,address)", "setMinter(address)", "addMinter(address)",
    "mint(address,uint256)", "pause()", "unpause()",
    # governance machinery: OZ Governor settings, timelock, Compound-style admin
    "updateDelay(uint256)", "updateTimelock(address)", "setQuorum(uint256)",
    "updateQuorumNumerator(uint256)", "setVotingDelay(uint48)", "setVotingPeriod(uint32)",
    "setProposalThreshold(uint256)", "relay(address,uint256,bytes)",
    "setPendingAdmin(address)", "acceptAdmin()", "setAdmin(address)", "setDelay(uint256)",
)
PRIVILEGED_SELECTORS = {"0x" + function_signature_to_4byte_selector(s).hex(): s
                        for s in PRIVILEGED_SIGNATURES}


def privileged_actions(p: ProposalCreated) -> list[tuple[str, str, str]]:
    """(target, selector, why) for each action of ``p`` that touches privileged ground."""
    out = []
    for target, data in zip(p.targets, p.calldatas, strict=False):
        selector = "0x" + data[:4].hex() if len(data) >= 4 else ""
        if selector in PRIVILEGED_SELECTORS:
            out.append((target, selector, PRIVILEGED_SELECTORS[selector]))
        elif target == p.governor:
            out.append((target, selector, "call to the governor itself"))
    return out


class PrivilegedProposalDetector(Detector):
    """Stateless: one finding per proposal with at least one privileged action."""

    name = "privileged_proposal"
    version = "1"
    triggers = Triggers(blocks=True)

    async def on_block(self, block: BlockBundle, ctx: DetectionContext) -> list[Finding]:
        findings = []
        for p in proposals_in(block):
            actions = privileged_actions(p)
            if not actions:
                continue
            score = min(0.9, 0.6 + 0.1 * len(actions))
            whats = sorted({why for _, _, why in actions})
            findings.append(Finding(
                detector=self.name, detector_version=self.version, kind="privileged_proposal",
                score=score, confidence=band(score, 0.2), severity=Severity.HIGH,
                reason_codes=(ReasonCode.PRIVILEGED_CALLDATA,),
                summary=f"proposal {p.proposal_id} by {p.proposer} calls " + ", ".join(whats),
                dedup_key=f"privileged:{p.tx_hash}:{p.proposal_id}", chain_id=ctx.chain_id,
                entities=tuple(dict.fromkeys((p.proposer, p.governor,
                                              *(t for t, _, _ in actions)))),
                tx_hashes=(p.tx_hash,), block_from=p.block, block_to=p.block,
                deltas=(FeatureDelta("privileged_actions", None, float(len(actions)),
                                     f"{len(actions)} of {len(p.targets)} actions privileged"),),
                details={"correlation_key": f"proposal:{ctx.chain_id}:{p.governor}:"
                                            f"{p.proposal_id}",
                         "governor": p.governor, "proposal_id": str(p.proposal_id),
                         "actions": [{"target": t, "selector": s, "why": w}
                                     for t, s, w in actions]}))
        return findings
