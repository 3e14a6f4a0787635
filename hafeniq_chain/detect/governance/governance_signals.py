"""Governance health signals: proposal bursts, delegation spikes before a snapshot, sudden
concentration of voting power.

Why one detector: the three read the same events and answer the same question ("is the
power balance of this DAO being moved right now?"); the learned parts live in
``governance_trackers``. A delegation spike matters when a proposal's snapshot is near (that
is when moved power becomes voting weight), so spikes are kept ``snapshot_blocks`` and
raised when a pending snapshot falls within that distance after them.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from pydantic import Field

from hafeniq_chain.core.finding import FeatureDelta, Finding, Severity
from hafeniq_chain.core.reasons import ReasonCode
from hafeniq_chain.decode.records import BlockBundle
from hafeniq_chain.detect.base import DetectionContext, Detector, DetectorSettings, Triggers
from hafeniq_chain.detect.governance.events import (
    band,
    delegations_in,
    proposals_in,
    votes_changes_in,
)
from hafeniq_chain.detect.governance.trackers import (
    Burst,
    Concentration,
    ConcentrationTracker,
    DelegationSpikeTracker,
    ProposalBurstTracker,
    Spike,
    delegated_power,
)


class GovernanceSignalsSettings(DetectorSettings):
    """``[detect.governance_signals]``: blocks before a proposal's snapshot that count as
    "just before the snapshot" for delegation spikes."""

    snapshot_blocks: int = Field(default=20, ge=1, le=100_000)


class GovernanceSignalsDetector(Detector):
    """Stateful; state is a few bounded per-governor and per-token structures."""

    name = "governance_signals"
    version = "1"
    triggers = Triggers(blocks=True)
    settings_model = GovernanceSignalsSettings

    def __init__(self, config: GovernanceSignalsSettings | None = None) -> None:
        self.config = config or GovernanceSignalsSettings()
        self.snapshot_blocks = self.config.snapshot_blocks
        self.bursts = ProposalBurstTracker()
        self.spikes = DelegationSpikeTracker()
        self.power = ConcentrationTracker()
        self.recent_spikes: deque[Spike] = deque()
        self.snapshots: dict[tuple[str, int], int] = {}  # (governor, proposal) -> snapshot
        self.tokens: set[str] = set()
        self.raised: set[tuple[str, str, int]] = set()  # (token, governor, proposal)

    async def on_block(self, block: BlockBundle, ctx: DetectionContext) -> list[Finding]:
        n = block.number
        proposals = proposals_in(block)
        delegations, changes = delegations_in(block), votes_changes_in(block)
        self.tokens |= {d.token for d in delegations} | {c.token for c in changes}
        findings = [burst_finding(b, n, ctx.chain_id) for b in self.bursts.observe(n, proposals)]
        self.snapshots.update({(p.governor, p.proposal_id): p.vote_start for p in proposals})
        self.snapshots = {k: s for k, s in self.snapshots.items() if s >= n}
        for token in sorted(self.tokens):
            mine = [d for d in delegations if d.token == token]
            token_changes = [c for c in changes if c.token == token]
            total = sum(self.power.votes.get(token, {}).values())
            spike = self.spikes.observe(n, token, mine, delegated_power(mine, token_changes),
                                        max(total, 1))
            if spike is not None:
                self.recent_spikes.append(spike)
            if token_changes:
                hit = self.power.observe(token, token_changes)
                if hit is not None:
                    findings.append(concentration_finding(hit, n, ctx.chain_id))
        while self.recent_spikes and self.recent_spikes[0].block < n - self.snapshot_blocks:
            self.recent_spikes.popleft()
        findings += self._spikes_before_snapshots(n, ctx.chain_id)
        return findings

    def _spikes_before_snapshots(self, block: int, chain_id: int) -> list[Finding]:
        """Raise a spike once per (token, proposal) whose snapshot is due soon after it."""
        out = []
        for spike in reversed(self.recent_spikes):  # the latest window holds the most
            due = sorted((s, g, p) for (g, p), s in self.snapshots.items()
                         if spike.block <= s <= spike.block + self.snapshot_blocks
                         and (spike.token, g, p) not in self.raised)
            for snapshot, governor, proposal in due:
                self.raised.add((spike.token, governor, proposal))
                out.append(spike_finding(spike, (snapshot, governor, proposal), block,
                                         chain_id))
        self.raised = {r for r in self.raised if (r[1], r[2]) in self.snapshots}
        return out


def _finding(kind: str, code: ReasonCode, score: float, summary: str, key: str, chain_id: int,
             entities: tuple[str, ...], txs: tuple[str, ...], block_from: int, block_to: int,
             deltas: tuple[FeatureDelta, ...], details: dict[str, Any]) -> Finding:
    return Finding(
        detector="governance_signals", detector_version="1", kind=kind, score=score,
        confidence=band(score, 0.2), severity=Severity.HIGH if score >= 0.7 else Severity.MEDIUM,
        reason_codes=(code,), summary=summary, dedup_key=f"{key}:{block_to}",
        chain_id=chain_id, entities=tuple(dict.fromkeys(entities)), tx_hashes=txs,
        block_from=block_from, block_to=block_to, deltas=deltas,
        details={"correlation_key": key, **details})


def burst_finding(b: Burst, block: int, chain_id: int) -> Finding:
    n = len(b.proposals)
    proposers = tuple(dict.fromkeys(p.proposer for p in b.proposals))
    return _finding(
        "proposal_burst", ReasonCode.PROPOSAL_BURST, min(0.9, 0.5 + 0.05 * n),
        f"{n} proposals on {b.governor} within {block - b.proposals[0].block + 1} blocks",
        f"proposal_burst:{chain_id}:{b.governor}:{b.proposals[0].block}", chain_id,
        (b.governor, *proposers), tuple(p.tx_hash for p in b.proposals),
        b.proposals[0].block, block,
        (FeatureDelta("proposals_in_window", b.baseline, float(n),
                      f"{n} proposals in the window (normal {b.baseline or 0:.1f})"),),
        {"governor": b.governor, "proposers": list(proposers),
         "proposal_ids": [str(p.proposal_id) for p in b.proposals]})


def spike_finding(s: Spike, due: tuple[int, str, int], block: int, chain_id: int) -> Finding:
    snapshot, governor, proposal_id = due
    share = s.moved / s.total
    delegates = tuple(dict.fromkeys(d.to_delegate for d in s.delegations))
    return _finding(
        "delegation_spike", ReasonCode.DELEGATION_SPIKE, min(0.85, 0.5 + share),
        f"{share:.1%} of voting power delegated from block {s.block}, "
        f"{snapshot - s.block} blocks before the snapshot of proposal {proposal_id}",
        f"delegation_spike:{chain_id}:{s.token}:{governor}:{proposal_id}", chain_id,
        (s.token, *delegates), tuple(dict.fromkeys(d.tx_hash for d in s.delegations)),
        s.block, block,
        (FeatureDelta("delegated_power_in_window", s.baseline, float(s.moved),
                      f"{s.moved} votes delegated in the window (recent p95 {s.baseline:.3g})"),
         FeatureDelta("blocks_before_snapshot", None, float(snapshot - s.block),
                      f"snapshot at block {snapshot}")),
        {"token": s.token, "governor": governor, "proposal_id": str(proposal_id),
         "snapshot_block": snapshot, "delegates": list(delegates), "moved": str(s.moved)})


def concentration_finding(c: Concentration, block: int, chain_id: int) -> Finding:
    return _finding(
        "voting_power_concentration", ReasonCode.VOTING_POWER_CONCENTRATION,
        min(0.9, 0.5 + c.share_peak - c.share_before),
        f"{c.delegate} went from {c.share_before:.1%} to {c.share_peak:.1%} of voting power "
        f"in one block", f"concentration:{chain_id}:{c.token}:{c.delegate}", chain_id,
        (c.delegate, c.token), c.tx_hashes, block, block,
        (FeatureDelta("delegate_share_jump", c.baseline, round(c.share_peak - c.share_before, 4),
                      f"share jump {c.share_peak - c.share_before:+.1%} in one block"),
         FeatureDelta("top_n_share", round(c.top_before, 4), round(c.top_peak, 4),
                      f"top delegates' share {c.top_before:.1%} -> {c.top_peak:.1%}")),
        {"token": c.token, "delegate": c.delegate, "share_before": c.share_before,
         "share_peak": c.share_peak})
