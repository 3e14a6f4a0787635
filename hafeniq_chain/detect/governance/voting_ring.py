"""Coordinated voting rings: wallets funded from one source voting alike within minutes.

Why: a Sybil ring splits borrowed or bought tokens over new wallets so no single address
stands out. But linked voters voting alike is also every popular proposal: long-held
wallets an exchange funded months ago vote together all the time. So a candidate ring (one
non-hub funder reaching ``min_members`` voters of one side within ``hops`` funding hops,
found in a bounded subgraph of ``lookback_s`` of funding edges) is only reported when
``ring_evidence.judge_ring`` scores it as a ring: members fresh, funded recently and
directly by a wallet that funds little else, without history of their own, and making up
much of the proposal's vote. Postgres is the truth (votes from ``logs``, facts from
``entities``/``edges``/``blocks``), so a restart loses nothing. It raises as soon as the
ring scores and again, under the same correlation key, each time it grows.
"""

from __future__ import annotations

from collections import OrderedDict

import asyncpg
from pydantic import Field

from hafeniq_chain.core.finding import FeatureDelta, Finding
from hafeniq_chain.core.reasons import ReasonCode
from hafeniq_chain.decode.records import BlockBundle, LogRecord
from hafeniq_chain.detect.base import DetectionContext, Detector, DetectorSettings, Triggers
from hafeniq_chain.detect.governance.events import VOTE_EVENTS, Vote, band, votes_in
from hafeniq_chain.detect.governance.ring_evidence import (
    RingEvidence,
    RingVerdict,
    RingWeights,
    judge_ring,
)
from hafeniq_chain.detect.governance.ring_facts import (
    candidate_ring,
    proposal_voters,
    ring_evidence,
)
from hafeniq_chain.detect.governance.ring_graph import RingRule
from hafeniq_chain.log import get_logger

log = get_logger(__name__)

_VOTES = """
SELECT block_number, log_index, tx_hash, tx_index, address, decoded FROM logs
WHERE chain_id = $1 AND address = $2 AND block_number BETWEEN $3 AND $4
  AND event_name = ANY($5::text[]) ORDER BY block_number, log_index"""


class VotingRingSettings(DetectorSettings):
    """``window_blocks``: how close the ring's votes are; ``hub_fanout``: above = a hub;
    ``lookback_s``: how old a funding edge may be and still link a ring;
    ``popularity_blocks``: how far back the proposal's other voters are counted."""

    rule: RingRule = Field(default_factory=RingRule)
    weights: RingWeights = Field(default_factory=RingWeights)
    window_blocks: int = Field(default=150, ge=1)  # about 30 minutes of 12-second blocks
    popularity_blocks: int = Field(default=50_400, ge=1)  # about a week: a voting period
    lookback_s: int = Field(default=30 * 86_400, ge=3_600)
    hub_fanout: int = Field(default=100, ge=2)
    max_nodes: int = Field(default=500, ge=10)
    max_groups: int = Field(default=10_000, ge=1)


class VotingRingDetector(Detector):
    """Flags groups of linked voters that look like a Sybil ring; needs the pool."""

    name = "voting_ring"
    version = "2"
    settings_model = VotingRingSettings
    triggers = Triggers(blocks=True)

    def __init__(self, config: VotingRingSettings | None = None) -> None:
        self.config = config or VotingRingSettings()
        self.reported: OrderedDict[str, float] = OrderedDict()  # correlation key -> size

    async def on_block(self, block: BlockBundle, ctx: DetectionContext) -> list[Finding]:
        if ctx.pool is None:
            return []
        groups = sorted({(v.governor, v.proposal_id, v.support) for v in votes_in(block)})
        findings = []
        for governor, proposal_id, support in groups:
            votes = await self._votes(ctx.pool, ctx.chain_id, governor, block.number)
            alike = [v for v in votes if v.proposal_id == proposal_id and v.support == support]
            cfg = self.config
            candidate = await candidate_ring(ctx.pool, ctx.chain_id, alike, block, cfg.rule,
                                             lookback_s=cfg.lookback_s,
                                             hub_fanout=cfg.hub_fanout,
                                             max_nodes=cfg.max_nodes)
            if candidate is None:
                continue
            voters = await proposal_voters(ctx.pool, ctx.chain_id, governor, proposal_id,
                                           block.number - cfg.popularity_blocks, block.number)
            evidence = await ring_evidence(ctx.pool, ctx.chain_id, candidate, block, voters)
            verdict = judge_ring(evidence, self.config.weights)
            if verdict.score < self.config.weights.min_score:
                log.debug("detect.voting_ring.dismissed", governor=governor,
                         proposal=str(proposal_id), members=len(evidence.ring.members),
                         score=round(verdict.score, 3), funder=evidence.ring.funder)
                continue
            finding = self._report(evidence, verdict, block, ctx, support, proposal_id)
            if finding is not None:
                findings.append(finding)
        return findings

    async def _votes(self, pool: asyncpg.Pool, chain_id: int, governor: str,
                     at_block: int) -> list[Vote]:
        rows = await pool.fetch(_VOTES, chain_id, governor,
                                at_block - self.config.window_blocks, at_block,
                                sorted(VOTE_EVENTS))
        records = [LogRecord(r["block_number"], r["log_index"], r["tx_hash"], r["tx_index"],
                             r["address"], (), b"", "VoteCast", r["decoded"]) for r in rows]
        return votes_in(BlockBundle(chain_id, at_block, "", "", 0, logs=records))

    def _report(self, ev: RingEvidence, verdict: RingVerdict, block: BlockBundle,
                ctx: DetectionContext, support: int, proposal_id: int) -> Finding | None:
        ring = ev.ring
        governor = ring.votes[0].governor
        key = f"voting_ring:{ctx.chain_id}:{governor}:{proposal_id}:{ring.funder}"
        if self.reported.get(key, 0) >= len(ring.members):
            return None  # nothing new: the ring has not grown
        self.reported[key] = len(ring.members)
        self.reported.move_to_end(key)
        while len(self.reported) > self.config.max_groups:
            self.reported.popitem(last=False)
        return ring_finding(ev, verdict, block, ctx.chain_id, key, support, proposal_id,
                            self.version, self.config.weights)


def ring_finding(ev: RingEvidence, verdict: RingVerdict, block: BlockBundle, chain_id: int,
                 key: str, support: int, proposal_id: int, version: str,
                 weights: RingWeights) -> Finding:
    """The explained finding for a ring as it stands at ``block``."""
    ring = ev.ring
    n = len(ring.members)
    first, last = ring.votes[0], ring.votes[-1]
    span_blocks = last.block - first.block
    score = verdict.score
    deltas = (
        FeatureDelta("linked_voters", None, float(n),
                     f"{n} wallets funded by {ring.funder} voted alike"),
        FeatureDelta("vote_span_blocks", None, float(span_blocks),
                     f"their votes came within {span_blocks} blocks"),
        *verdict.deltas,
    )
    severity = weights.severity(score, n)
    return Finding(
        detector="voting_ring", detector_version=version, kind="voting_ring",
        score=score, confidence=band(score, 0.2 if n < 5 else 0.1),
        severity=severity, reason_codes=(ReasonCode.VOTING_RING,),
        summary=f"voting ring of {n} wallets funded by {ring.funder} voted "
                f"{support} on proposal {proposal_id} within {span_blocks} blocks "
                f"(fresh {verdict.features['fresh_member_share']:.0%}, recently funded "
                f"{verdict.features['recently_funded_share']:.0%}, "
                f"{verdict.features['ring_share_of_voters']:.0%} of the voters)",
        dedup_key=f"{key}:{n}", chain_id=chain_id,
        entities=(ring.funder, *ring.members),
        tx_hashes=tuple(dict.fromkeys(v.tx_hash for v in ring.votes)),
        block_from=first.block, block_to=block.number, deltas=deltas,
        details={"correlation_key": key, "funder": ring.funder, "members": list(ring.members),
                 "member_count": n, "governor": first.governor,
                 "proposal_id": str(proposal_id), "support": support,
                 "vote_blocks": [v.block for v in ring.votes],
                 "vote_txs": [v.tx_hash for v in ring.votes],
                 "first_vote_block": first.block, "last_vote_block": last.block,
                 "funding_paths": ring.paths, "features": verdict.features,
                 "funder_fanout": ev.funder_fanout, "proposal_voters": ev.proposal_voters})
