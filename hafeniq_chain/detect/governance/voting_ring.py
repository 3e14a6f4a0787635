"""Coordinated voting rings: fresh wallets funded from one source voting alike within minutes.

Why: a Sybil ring splits borrowed or bought tokens over new wallets so no single address
stands out. What gives it away is the combination: the voters are new, delegated recently,
voted the same way on the same proposal within a short window, and are all reachable from
one funder within a few hops of the entity graph. Each block with votes, the detector reads
the proposal's recent votes from ``logs`` (Postgres is the truth, so a restart loses
nothing), the voters' entity facts, and a bounded k-hop funding subgraph (``store/graph``)
which networkx searches for a common non-hub source. It raises as soon as ``min_members``
linked voters voted alike and raises again, under the same correlation key, each time the
ring grows, so the alert comes before the ring's last vote and fusion keeps one incident.
"""

from __future__ import annotations

import statistics
from collections import OrderedDict
from typing import Any

import asyncpg
from pydantic import Field

from hafeniq_chain.core.finding import FeatureDelta, Finding, Severity
from hafeniq_chain.core.reasons import ReasonCode
from hafeniq_chain.core.stats import BlendedBaseline
from hafeniq_chain.decode.records import ZERO_ADDRESS, BlockBundle, LogRecord
from hafeniq_chain.detect.base import DetectionContext, Detector, DetectorSettings, Triggers
from hafeniq_chain.detect.governance.events import VOTE_EVENTS, Vote, band, votes_in
from hafeniq_chain.detect.governance.ring_graph import (
    Ring,
    RingRule,
    VoterFacts,
    eligible_voters,
    find_ring,
    funding_graph,
)
from hafeniq_chain.store.graph import k_hop_subgraph

FUNDING_KINDS = ("native", "erc20")

_VOTES = """
SELECT block_number, log_index, tx_hash, tx_index, address, decoded FROM logs
WHERE chain_id = $1 AND address = $2 AND block_number BETWEEN $3 AND $4
  AND event_name = ANY($5::text[]) ORDER BY block_number, log_index"""
_FACTS = """
SELECT e.address, e.first_seen_block,
       (SELECT max(last_block) FROM edges d WHERE d.chain_id = $1 AND d.src = e.address
          AND d.kind = 'delegate') AS delegated
FROM entities e WHERE e.chain_id = $1 AND e.address = ANY($2::text[])"""
_HUBS = """
SELECT address FROM entities WHERE chain_id = $1 AND address = ANY($2::text[])
  AND kind = 'contract'
UNION SELECT src FROM edges WHERE chain_id = $1 AND src = ANY($2::text[])
  AND kind = ANY($3::text[]) GROUP BY src HAVING count(DISTINCT dst) > $4
UNION SELECT DISTINCT address FROM logs WHERE chain_id = $1 AND address = ANY($2::text[])"""


class VotingRingSettings(DetectorSettings):
    """``window_blocks``: how close the ring's votes are; ``hub_fanout``: above = a hub."""

    rule: RingRule = Field(default_factory=RingRule)
    window_blocks: int = 150  # about 30 minutes of 12-second blocks
    hub_fanout: int = 100
    max_nodes: int = 500
    max_groups: int = 10_000


class VotingRingDetector(Detector):
    """Flags groups of linked fresh voters; needs the pool (silent without a database)."""

    name = "voting_ring"
    version = "1"
    settings_model = VotingRingSettings
    triggers = Triggers(blocks=True)

    def __init__(self, config: VotingRingSettings | None = None) -> None:
        self.config = config or VotingRingSettings()
        self.reported: OrderedDict[str, int] = OrderedDict()  # correlation key -> members
        self.linked: dict[str, BlendedBaseline] = {}  # governor -> linked voters, unflagged

    async def on_block(self, block: BlockBundle, ctx: DetectionContext) -> list[Finding]:
        if ctx.pool is None:
            return []
        groups = sorted({(v.governor, v.proposal_id, v.support) for v in votes_in(block)})
        findings = []
        for governor, proposal_id, support in groups:
            votes = await self._window_votes(ctx.pool, ctx.chain_id, governor, block.number)
            alike = [v for v in votes if v.proposal_id == proposal_id and v.support == support]
            ring = await self._ring(ctx.pool, ctx.chain_id, alike, block.number)
            base = self.linked.setdefault(governor, BlendedBaseline.new())
            if ring is None:
                base.update(0.0)
                continue
            finding = self._report(ring, block, ctx, base, support, proposal_id)
            if finding is not None:
                findings.append(finding)
        return findings

    async def _window_votes(self, pool: asyncpg.Pool, chain_id: int, governor: str,
                            at_block: int) -> list[Vote]:
        rows = await pool.fetch(_VOTES, chain_id, governor,
                                at_block - self.config.window_blocks, at_block,
                                sorted(VOTE_EVENTS))
        records = [LogRecord(r["block_number"], r["log_index"], r["tx_hash"], r["tx_index"],
                             r["address"], (), b"", "VoteCast", r["decoded"]) for r in rows]
        return votes_in(BlockBundle(chain_id, at_block, "", "", 0, logs=records))

    async def _ring(self, pool: asyncpg.Pool, chain_id: int, votes: list[Vote],
                    at_block: int) -> Ring | None:
        cfg, rule = self.config, self.config.rule
        voters = sorted({v.voter for v in votes})
        if len(voters) < rule.min_members:
            return None
        facts = {r["address"]: VoterFacts(r["first_seen_block"], r["delegated"])
                 for r in await pool.fetch(_FACTS, chain_id, voters)}
        eligible = eligible_voters(votes, facts, at_block, rule)
        if len(eligible) < rule.min_members:
            return None
        sub = await k_hop_subgraph(pool, chain_id, eligible, hops=rule.hops,
                                   kinds=FUNDING_KINDS, from_block=at_block - rule.fresh_blocks,
                                   max_nodes=cfg.max_nodes)
        others = sorted(set(sub.nodes) - set(eligible))
        hubs = {r[0] for r in await pool.fetch(_HUBS, chain_id, others, list(FUNDING_KINDS),
                                               cfg.hub_fanout)} | {ZERO_ADDRESS}
        graph = funding_graph(((s, d) for s, d, _ in sub.edges(keys=True)), hubs)
        return find_ring(votes, eligible, graph, rule)

    def _report(self, ring: Ring, block: BlockBundle, ctx: DetectionContext,
                base: BlendedBaseline, support: int, proposal_id: int) -> Finding | None:
        governor = ring.votes[0].governor
        key = f"voting_ring:{ctx.chain_id}:{governor}:{proposal_id}:{ring.funder}"
        if self.reported.get(key, 0) >= len(ring.members):
            return None  # nothing new: the ring has not grown
        self.reported[key] = len(ring.members)
        self.reported.move_to_end(key)
        while len(self.reported) > self.config.max_groups:
            self.reported.popitem(last=False)
        return ring_finding(ring, block, ctx.chain_id, key, base, support, proposal_id,
                            self.version)

    def export_baselines(self) -> list[tuple[str, dict[str, Any], int]]:
        """Per-governor baseline of linked fresh voters (``baselines`` rows)."""
        return [(g, b.to_state(), b.n) for g, b in self.linked.items()]

    def import_baselines(self, rows: list[tuple[str, dict[str, Any]]]) -> None:
        self.linked.update({g: BlendedBaseline.from_state(s) for g, s in rows})


def ring_finding(ring: Ring, block: BlockBundle, chain_id: int, key: str,
                 base: BlendedBaseline, support: int, proposal_id: int,
                 version: str) -> Finding:
    """The explained finding for a ring as it stands at ``block``."""
    n = len(ring.members)
    first, last = ring.votes[0], ring.votes[-1]
    span_blocks = last.block - first.block
    score = min(0.95, 0.6 + 0.05 * (n - 3))
    hops = statistics.median(len(p) - 1 for p in ring.paths.values())
    normal = round(base.mean, 3) if base.n else None
    deltas = (
        FeatureDelta("linked_fresh_voters", normal, float(n),
                     f"{n} fresh wallets funded by {ring.funder} voted alike "
                     f"(normal {normal if normal is not None else 'unknown'})"),
        FeatureDelta("vote_span_blocks", None, float(span_blocks),
                     f"their votes came within {span_blocks} blocks"),
        FeatureDelta("funding_hops_median", None, float(hops),
                     f"median {hops:g} hop(s) from the funder"),
    )
    return Finding(
        detector="voting_ring", detector_version=version, kind="voting_ring",
        score=score, confidence=band(score, 0.2 if n < 5 else 0.1),
        severity=Severity.CRITICAL if n >= 5 else Severity.HIGH,
        reason_codes=(ReasonCode.VOTING_RING,),
        summary=f"voting ring of {n} fresh wallets funded by {ring.funder} voted "
                f"{support} on proposal {proposal_id} within {span_blocks} blocks",
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
                 "funding_paths": ring.paths})
