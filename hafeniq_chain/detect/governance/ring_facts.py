"""What ``voting_ring`` reads from the store about a candidate ring (Postgres is the truth).

Why a module of its own: the detector decides, this module gathers. The candidate is the
non-hub funder reaching most of one side's voters within ``hops`` over funding edges of
the last ``lookback_s`` seconds (found by block timestamps, not block counts: a chain's
history can be long in time and short in blocks); the evidence is each member's first
sighting and funding time, its own earlier activity, the funder's fan-out and how many
distinct voters the proposal has.
"""

from __future__ import annotations

import asyncpg
import networkx as nx

from hafeniq_chain.decode.records import ZERO_ADDRESS, BlockBundle
from hafeniq_chain.detect.governance.events import VOTE_EVENTS, Vote
from hafeniq_chain.detect.governance.ring_evidence import MemberFacts, RingEvidence
from hafeniq_chain.detect.governance.ring_graph import Ring, RingRule, find_ring, funding_graph
from hafeniq_chain.store.graph import k_hop_subgraph

FUNDING_KINDS = ("native", "erc20")

_VOTERS = """
SELECT count(DISTINCT lower(decoded->>'voter')) FROM logs
WHERE chain_id = $1 AND address = $2 AND block_number BETWEEN $3 AND $4
  AND event_name = ANY($5::text[]) AND decoded->>'proposalId' = $6"""
_FIRST_SEEN = """
SELECT address, first_seen_block FROM entities WHERE chain_id = $1 AND address = ANY($2::text[])"""
_HUBS = """
SELECT address FROM entities WHERE chain_id = $1 AND address = ANY($2::text[])
  AND kind = 'contract'
UNION SELECT src FROM edges WHERE chain_id = $1 AND src = ANY($2::text[])
  AND kind = ANY($3::text[]) GROUP BY src HAVING count(DISTINCT dst) > $4
UNION SELECT DISTINCT address FROM logs WHERE chain_id = $1 AND address = ANY($2::text[])"""
_FANOUT = """
SELECT count(DISTINCT dst) FROM edges WHERE chain_id = $1 AND src = $2 AND kind = ANY($3::text[])"""
_PRIOR = """
SELECT src, sum(count) AS n FROM edges WHERE chain_id = $1 AND src = ANY($2::text[])
  AND kind = ANY($3::text[]) AND first_block < $4 GROUP BY src"""
_TIMES = """
SELECT number, extract(epoch FROM timestamp)::bigint AS ts FROM blocks
WHERE chain_id = $1 AND number = ANY($2::bigint[])"""
_SINCE = """
SELECT coalesce(min(number), 0) FROM blocks WHERE chain_id = $1 AND timestamp >= to_timestamp($2)"""
# NOTE: activity of its own = transactions and payments it sent before the voting window;
# its vote is after it, its delegate() call is one call (``max_prior_txs`` tolerates it).
ACTIVITY_KINDS = ("call", "native", "erc20", "swap")

Candidate = tuple[Ring, nx.MultiDiGraph]


async def candidate_ring(pool: asyncpg.Pool, chain_id: int, votes: list[Vote],
                         block: BlockBundle, rule: RingRule, *, lookback_s: int,
                         hub_fanout: int, max_nodes: int) -> Candidate | None:
    """The funder reaching most of these voters (non-hub, within the lookback)."""
    voters = list(dict.fromkeys(v.voter for v in votes))
    if len(voters) < rule.min_members:
        return None
    since = await pool.fetchval(_SINCE, chain_id, block.timestamp - lookback_s)
    sub = await k_hop_subgraph(pool, chain_id, voters, hops=rule.hops, kinds=FUNDING_KINDS,
                               from_block=int(since or 0), max_nodes=max_nodes)
    others = sorted(set(sub.nodes) - set(voters))
    hubs = {r[0] for r in await pool.fetch(_HUBS, chain_id, others, list(FUNDING_KINDS),
                                           hub_fanout)} | {ZERO_ADDRESS}
    graph = funding_graph(((s, d) for s, d, _ in sub.edges(keys=True)), hubs)
    ring = find_ring(votes, voters, graph, rule)
    return (ring, sub) if ring is not None else None


async def proposal_voters(pool: asyncpg.Pool, chain_id: int, governor: str, proposal_id: int,
                          from_block: int, to_block: int) -> int:
    """Distinct voters on the proposal (any side) within the block range."""
    n = await pool.fetchval(_VOTERS, chain_id, governor, from_block, to_block,
                            sorted(VOTE_EVENTS), str(proposal_id))
    return int(n or 0)


async def ring_evidence(pool: asyncpg.Pool, chain_id: int, candidate: Candidate,
                        block: BlockBundle, voters: int) -> RingEvidence:
    """The facts ``judge_ring`` weighs, for the members of ``candidate``."""
    ring, sub = candidate
    members = list(ring.members)
    funded = {m: min(d["first_block"] for d in sub.get_edge_data(p[-2], m).values())
              for m, p in ring.paths.items()}
    seen = {r["address"]: r["first_seen_block"]
            for r in await pool.fetch(_FIRST_SEEN, chain_id, members)}
    window_start = min(v.block for v in ring.votes)
    prior = {r["src"]: int(r["n"]) for r in await pool.fetch(
        _PRIOR, chain_id, members, list(ACTIVITY_KINDS), window_start)}
    wanted = [b for b in {*funded.values(), *seen.values()} if b is not None]
    times = {r["number"]: r["ts"] for r in await pool.fetch(_TIMES, chain_id, wanted)}

    def age(number: int | None) -> float | None:
        ts = times.get(number) if number is not None else None
        return float(block.timestamp - ts) if ts is not None else None

    facts = {m: MemberFacts(age(seen.get(m)), age(funded[m]), prior.get(m, 0))
             for m in members}
    fanout = int(await pool.fetchval(_FANOUT, chain_id, ring.funder,
                                     list(FUNDING_KINDS)) or 0)
    return RingEvidence(ring, facts, fanout, max(voters, len(members)))
