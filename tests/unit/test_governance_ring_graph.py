"""Voting-ring rule on plain data: candidate rings (one non-hub funder) and their judgement."""

from __future__ import annotations

import pytest

from hafeniq_chain.detect.governance.events import Vote
from hafeniq_chain.detect.governance.ring_evidence import (
    MemberFacts,
    RingEvidence,
    RingWeights,
    judge_ring,
)
from hafeniq_chain.detect.governance.ring_graph import Ring, RingRule, find_ring, funding_graph
from hafeniq_chain.evaluation.variants.ring_cases import ATTACKS, LOOKALIKES, judge_case, ring_case
from tests.unit.governance_blocks import GOV, addr

RULE = RingRule(hops=2, min_members=3)
FUNDER, HUB = addr(0xF00D), addr(0xB1C)
RING = [addr(0x100 + i) for i in range(5)]
AT = 5_000
DAY = 86_400


def _votes(voters: list[str], first_block: int = 4_990) -> list[Vote]:
    return [Vote(first_block + i, f"0x{i:064x}", 0, 0, GOV, v, 7, 1, 30_000)
            for i, v in enumerate(voters)]


def _ring(voters: list[str], edges: list[tuple[str, str]],
          hubs: frozenset[str] = frozenset()) -> Ring | None:
    return find_ring(_votes(voters), voters, funding_graph(edges, set(hubs)), RULE)


def test_direct_funder_of_fresh_delegating_voters_is_reported_with_every_member() -> None:
    ring = _ring(RING, [(FUNDER, m) for m in RING])
    assert ring is not None
    assert ring.funder == FUNDER and ring.members == tuple(RING)
    assert ring.paths[RING[0]] == [FUNDER, RING[0]]
    assert [v.voter for v in ring.votes] == RING


def test_two_hop_funding_through_intermediaries_links_the_ring() -> None:
    mids = [addr(0x200), addr(0x201)]
    edges = [(FUNDER, mids[0]), (FUNDER, mids[1])] + \
        [(mids[i % 2], m) for i, m in enumerate(RING)]
    ring = _ring(RING, edges)
    assert ring is not None and ring.funder == FUNDER and set(ring.members) == set(RING)
    assert len(ring.paths[RING[0]]) == 3


def test_a_hub_funding_everyone_is_not_a_shared_source() -> None:
    assert _ring(RING, [(HUB, m) for m in RING], frozenset({HUB})) is None


def test_two_linked_voters_are_below_the_minimum() -> None:
    others = [addr(0x300 + i) for i in range(3)]
    edges = [(FUNDER, RING[0]), (FUNDER, RING[1])] + [(addr(0x400 + i), o)
                                                      for i, o in enumerate(others)]
    voters = [RING[0], RING[1], *others]
    assert _ring(voters, edges) is None


def _judge(ring_n: int, age: float, funded: float, prior: int, fanout: int, voters: int
           ) -> float:
    ring = _ring(RING[:ring_n], [(FUNDER, m) for m in RING[:ring_n]])
    assert ring is not None
    facts = {m: MemberFacts(age, funded, prior) for m in ring.members}
    return judge_ring(RingEvidence(ring, facts, fanout, voters), RingWeights()).score


def test_fresh_recently_funded_newcomers_of_a_dedicated_funder_score_high() -> None:
    assert _judge(5, 3_600, 3_600, 0, 5, 5) > 0.95


@pytest.mark.parametrize(("what", "age", "funded", "prior", "fanout", "voters"), [
    ("funded months ago by a hub, old and active", 200 * DAY, 150 * DAY, 30, 130, 40),
    ("same wallets, the hub funds only them", 200 * DAY, 150 * DAY, 30, 5, 5),
    ("new exchange users, a small part of a popular vote", 3 * DAY, 3 * DAY, 1, 90, 40),
])
def test_look_alikes_score_below_the_reporting_floor(what: str, age: float, funded: float,
                                                     prior: int, fanout: int,
                                                     voters: int) -> None:
    assert _judge(5, age, funded, prior, fanout, voters) < RingWeights().min_score, what


JUDGE_SEEDS = range(100, 124)  # the weights were set on seeds 1..10


@pytest.mark.parametrize("kind", ATTACKS)
def test_every_attack_variant_is_reported_on_fresh_seeds(kind: str) -> None:
    scores = [judge_case(ring_case(kind, seed)) for seed in JUDGE_SEEDS]
    assert all(s is not None and s >= RingWeights().min_score for s in scores), scores


@pytest.mark.parametrize("kind", LOOKALIKES)
def test_no_look_alike_is_reported_on_fresh_seeds(kind: str) -> None:
    scores = [judge_case(ring_case(kind, seed)) for seed in JUDGE_SEEDS]
    assert all(s is None or s < RingWeights().min_score for s in scores), scores
