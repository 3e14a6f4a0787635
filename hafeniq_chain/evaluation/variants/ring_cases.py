"""Voting-ring variants: Sybil rings of every shape beside popular votes that resemble them.

A case is the data ``voting_ring`` gathers from the store (votes, funding edges with their
age, first sightings, prior activity, funder fan-out), generated from a seed, and judged by
the same pure functions the detector calls (``find_ring`` then ``judge_ring``).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from hafeniq_chain.detect.governance.events import Vote
from hafeniq_chain.detect.governance.ring_evidence import MemberFacts, RingEvidence, judge_ring
from hafeniq_chain.detect.governance.ring_graph import find_ring, funding_graph
from hafeniq_chain.detect.governance.voting_ring import VotingRingSettings

DAY = 86_400
GOV = "0x" + "99" * 20


@dataclass(frozen=True)
class Edge:
    """A funding edge: first and last payment, in seconds before the vote."""

    src: str
    dst: str
    first_age_s: float
    last_age_s: float


@dataclass
class RingCase:
    """Everything the detector would read for one proposal side."""

    name: str
    attack: bool
    votes: list[Vote]
    edges: list[Edge]
    age_s: dict[str, float]
    prior_txs: dict[str, int]
    fanout: dict[str, int]
    proposal_voters: int
    members: list[str]  # the ring's wallets (attacks) or the linked voters (look-alikes)


def _addr(rng: random.Random) -> str:
    return "0x" + rng.randbytes(20).hex()


def _case(rng: random.Random, name: str, attack: bool, n: int, *, hops: int,
          member_age: tuple[float, float], funded_age: tuple[float, float],
          prior: tuple[int, int], funder_fanout: int, others: int) -> RingCase:
    funder = _addr(rng)
    members = [_addr(rng) for _ in range(n)]
    mids = [_addr(rng) for _ in range(rng.randint(1, 3))] if hops == 2 else []
    edges, ages, prior_txs = [], {}, {}
    for i, m in enumerate(members):
        funded = rng.uniform(*funded_age)
        src = mids[i % len(mids)] if mids else funder
        edges.append(Edge(src, m, funded, rng.uniform(0, funded)))
        ages[m] = max(funded, rng.uniform(*member_age))
        prior_txs[m] = rng.randint(*prior)
    for mid in mids:
        edges.append(Edge(funder, mid, funded_age[1] + DAY, funded_age[1]))
    extra = max(0, funder_fanout - (len(mids) or n))
    edges += [Edge(funder, _addr(rng), rng.uniform(*funded_age), 0.0) for _ in range(extra)]
    voters = members + [_addr(rng) for _ in range(others)]
    start = 10_000
    votes = [Vote(start + rng.randint(0, 40) if i else start, f"0x{i:064x}", 0, 0, GOV, v,
                  7, 1, 10**18) for i, v in enumerate(voters)]
    votes.sort(key=lambda v: v.block)
    fanout = {funder: len(mids) or n + extra, **{mid: n // len(mids) + 1 for mid in mids}}
    return RingCase(name, attack, votes, edges, ages, prior_txs, fanout, len(voters), members)


ATTACKS = ("fresh_ring", "two_hop_ring", "aged_shell_ring", "ring_in_crowd")
LOOKALIKES = ("popular_proposal_established", "exchange_onboarded_crowd", "dao_team_vote",
              "popular_with_recent_topups")


def ring_case(kind: str, seed: int) -> RingCase:
    """One case of ``kind`` (an attack or a look-alike) from ``seed``."""
    rng = random.Random(f"{kind}:{seed}")
    if kind == "fresh_ring":
        return _case(rng, kind, True, rng.randint(3, 12), hops=1, member_age=(0, 6 * DAY),
                     funded_age=(3_600, 6 * DAY), prior=(0, 1),
                     funder_fanout=0, others=rng.randint(0, 4))
    if kind == "two_hop_ring":
        return _case(rng, kind, True, rng.randint(4, 12), hops=2, member_age=(0, 3 * DAY),
                     funded_age=(1_800, 3 * DAY), prior=(0, 2),
                     funder_fanout=0, others=rng.randint(0, 6))
    if kind == "aged_shell_ring":  # wallets made weeks ago, idle, funded right before
        return _case(rng, kind, True, rng.randint(5, 12), hops=rng.choice([1, 2]),
                     member_age=(20 * DAY, 60 * DAY), funded_age=(3_600, 4 * DAY),
                     prior=(0, 2), funder_fanout=rng.randint(0, 3), others=rng.randint(0, 5))
    if kind == "ring_in_crowd":  # a ring voting beside honest voters
        n = rng.randint(6, 12)
        return _case(rng, kind, True, n, hops=1, member_age=(0, 5 * DAY),
                     funded_age=(3_600, 5 * DAY), prior=(0, 1), funder_fanout=n,
                     others=rng.randint(n, 2 * n))
    if kind == "popular_proposal_established":
        return _case(rng, kind, False, rng.randint(15, 30), hops=1,
                     member_age=(60 * DAY, 400 * DAY), funded_age=(60 * DAY, 300 * DAY),
                     prior=(5, 60), funder_fanout=rng.randint(30, 150),
                     others=rng.randint(0, 20))
    if kind == "popular_with_recent_topups":  # old users the exchange topped up last week
        case = _case(rng, kind, False, rng.randint(15, 30), hops=1,
                     member_age=(60 * DAY, 400 * DAY), funded_age=(40 * DAY, 200 * DAY),
                     prior=(5, 60), funder_fanout=rng.randint(30, 150),
                     others=rng.randint(0, 20))
        case.edges = [Edge(e.src, e.dst, e.first_age_s, rng.uniform(DAY, 6 * DAY))
                      for e in case.edges]
        return case
    if kind == "exchange_onboarded_crowd":  # new users from one exchange, on a popular vote
        return _case(rng, kind, False, rng.randint(8, 25), hops=1, member_age=(DAY, 6 * DAY),
                     funded_age=(DAY, 6 * DAY), prior=(0, 3),
                     funder_fanout=rng.randint(60, 99), others=rng.randint(10, 40))
    if kind == "dao_team_vote":  # contributors a treasury pays monthly
        return _case(rng, kind, False, rng.randint(3, 6), hops=1,
                     member_age=(90 * DAY, 500 * DAY), funded_age=(90 * DAY, 400 * DAY),
                     prior=(10, 80), funder_fanout=rng.randint(5, 15),
                     others=rng.randint(5, 30))
    raise ValueError(f"unknown voting-ring case {kind!r}")


def judge_case(case: RingCase, settings: VotingRingSettings | None = None) -> float | None:
    """The score ``voting_ring`` would give (None = no candidate ring at all)."""
    verdict = judge_ring_case(case, settings)
    return verdict[0] if verdict is not None else None


def judge_ring_case(case: RingCase, settings: VotingRingSettings | None = None
                    ) -> tuple[float, int] | None:
    """(score, members) of the candidate ring ``voting_ring`` would find, or None."""
    cfg = settings or VotingRingSettings()
    edges = [e for e in case.edges if e.last_age_s <= cfg.lookback_s]
    hubs = {a for a, n in case.fanout.items() if n > cfg.hub_fanout}
    graph = funding_graph(((e.src, e.dst) for e in edges), hubs)
    voters = list(dict.fromkeys(v.voter for v in case.votes))
    ring = find_ring(case.votes, voters, graph, cfg.rule)
    if ring is None:
        return None
    first = {(e.src, e.dst): e.first_age_s for e in edges}
    facts = {m: MemberFacts(case.age_s.get(m), first.get((p[-2], m)), case.prior_txs.get(m, 0))
             for m, p in ring.paths.items()}
    evidence = RingEvidence(ring, facts, case.fanout.get(ring.funder, 0), case.proposal_voters)
    return judge_ring(evidence, cfg.weights).score, len(ring.members)
