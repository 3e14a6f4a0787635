"""Voting-ring rule on plain data: one non-hub funder reaching fresh, delegating voters."""

from __future__ import annotations

from hafeniq_chain.detect.governance.events import Vote
from hafeniq_chain.detect.governance.ring_graph import (
    RingRule,
    VoterFacts,
    eligible_voters,
    find_ring,
    funding_graph,
)
from tests.unit.governance_blocks import GOV, addr

RULE = RingRule(hops=2, fresh_blocks=1_000, min_members=3)
FUNDER, HUB = addr(0xF00D), addr(0xB1C)
RING = [addr(0x100 + i) for i in range(5)]
AT = 5_000


def _votes(voters: list[str], first_block: int = 4_990) -> list[Vote]:
    return [Vote(first_block + i, f"0x{i:064x}", 0, 0, GOV, v, 7, 1, 30_000)
            for i, v in enumerate(voters)]


def _facts(voters: list[str], born: int = 4_900, delegated: int | None = 4_950
           ) -> dict[str, VoterFacts]:
    return {v: VoterFacts(born, delegated) for v in voters}


def _ring(voters: list[str], edges: list[tuple[str, str]], facts: dict[str, VoterFacts],
          hubs: frozenset[str] = frozenset()):
    votes = _votes(voters)
    eligible = eligible_voters(votes, facts, AT, RULE)
    return find_ring(votes, eligible, funding_graph(edges, set(hubs)), RULE)


def test_direct_funder_of_fresh_delegating_voters_is_reported_with_every_member() -> None:
    ring = _ring(RING, [(FUNDER, m) for m in RING], _facts(RING))
    assert ring is not None
    assert ring.funder == FUNDER and ring.members == tuple(RING)
    assert ring.paths[RING[0]] == [FUNDER, RING[0]]
    assert [v.voter for v in ring.votes] == RING


def test_two_hop_funding_through_intermediaries_links_the_ring() -> None:
    mids = [addr(0x200), addr(0x201)]
    edges = [(FUNDER, mids[0]), (FUNDER, mids[1])] + \
        [(mids[i % 2], m) for i, m in enumerate(RING)]
    ring = _ring(RING, edges, _facts(RING))
    assert ring is not None and ring.funder == FUNDER and set(ring.members) == set(RING)
    assert len(ring.paths[RING[0]]) == 3


def test_a_hub_funding_everyone_is_not_a_shared_source() -> None:
    assert _ring(RING, [(HUB, m) for m in RING], _facts(RING), frozenset({HUB})) is None


def test_old_wallets_are_not_a_ring() -> None:
    assert _ring(RING, [(FUNDER, m) for m in RING], _facts(RING, born=100)) is None


def test_voters_that_never_delegated_recently_are_not_a_ring() -> None:
    assert _ring(RING, [(FUNDER, m) for m in RING], _facts(RING, delegated=10)) is None


def test_two_linked_voters_are_below_the_minimum() -> None:
    others = [addr(0x300 + i) for i in range(3)]
    edges = [(FUNDER, RING[0]), (FUNDER, RING[1])] + [(addr(0x400 + i), o)
                                                      for i, o in enumerate(others)]
    voters = [RING[0], RING[1], *others]
    assert _ring(voters, edges, _facts(voters)) is None
