"""Finding a voting ring in a bounded funding graph: pure functions over networkx.

Why separate from the detector: the rule (fresh, recently delegating voters who voted alike
and are all reachable from one non-hub funder within k hops) is the part worth testing on
plain data; the detector only gathers the votes, entity facts and subgraph from Postgres.
Hubs (exchanges, deployers, routers, token contracts, the zero address) fund everyone, so
they never count as a shared source.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import networkx as nx

from hafeniq_chain.detect.base import DetectorSettings
from hafeniq_chain.detect.governance.events import Vote


@dataclass(frozen=True)
class VoterFacts:
    """What the entity graph knows of one voter: when it appeared and last delegated."""

    first_seen_block: int | None
    last_delegation_block: int | None


class RingRule(DetectorSettings):
    """Thresholds: ``fresh_blocks`` bounds both wallet age and delegation age."""

    hops: int = 2
    fresh_blocks: int = 7_200  # about one day of 12-second blocks
    min_members: int = 3


@dataclass(frozen=True)
class Ring:
    """A funder and the fresh voters it reaches, with the funding path to each."""

    funder: str
    members: tuple[str, ...]
    paths: dict[str, list[str]]
    votes: tuple[Vote, ...]


def eligible_voters(votes: Sequence[Vote], facts: Mapping[str, VoterFacts], at_block: int,
                    rule: RingRule) -> list[str]:
    """Voters created and delegating within ``fresh_blocks`` of ``at_block``, vote order."""
    horizon = at_block - rule.fresh_blocks
    out: list[str] = []
    for v in votes:
        f = facts.get(v.voter)
        if f is None or v.voter in out:
            continue
        if f.first_seen_block is not None and f.first_seen_block >= horizon \
                and f.last_delegation_block is not None and f.last_delegation_block >= horizon:
            out.append(v.voter)
    return out


def funding_graph(edges: Iterable[tuple[str, str]], hubs: set[str]) -> nx.DiGraph:
    """Directed src -> dst funding edges without the hubs (they link everyone)."""
    graph = nx.DiGraph()
    graph.add_edges_from((s, d) for s, d in edges if s not in hubs and d not in hubs and s != d)
    return graph


def find_ring(votes: Sequence[Vote], eligible: Sequence[str], graph: nx.DiGraph,
              rule: RingRule) -> Ring | None:
    """The funder reaching most eligible voters within ``hops`` (ties: earliest address)."""
    reach: Counter[str] = Counter()
    present = [v for v in eligible if v in graph]
    if len(present) < rule.min_members:
        return None
    reverse = graph.reverse(copy=False)
    for voter in present:
        ancestors = nx.single_source_shortest_path_length(reverse, voter, cutoff=rule.hops)
        reach.update(a for a in ancestors if a != voter)
    if not reach:
        return None
    funder, _ = min(reach.items(), key=lambda kv: (-kv[1], kv[0]))
    distances = nx.single_source_shortest_path_length(graph, funder, cutoff=rule.hops)
    members = tuple(v for v in present if v in distances and v != funder)
    if len(members) < rule.min_members:
        return None
    paths = {m: nx.shortest_path(graph, funder, m) for m in members}
    member_set = set(members)
    return Ring(funder, members, paths, tuple(v for v in votes if v.voter in member_set))
