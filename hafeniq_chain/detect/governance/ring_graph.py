"""Finding a voting ring in a bounded funding graph: pure functions over networkx.

Why separate from the detector: finding the candidate (voters who voted alike and are all
reachable from one non-hub funder within k hops) is worth testing on plain data; the
detector only gathers the votes and the subgraph from Postgres.
Hubs (exchanges, deployers, routers, token contracts, the zero address) fund everyone, so
they never count as a shared source.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import networkx as nx
from pydantic import Field

from hafeniq_chain.detect.base import DetectorSettings
from hafeniq_chain.detect.governance.events import Vote


class RingRule(DetectorSettings):
    """How a candidate ring is found: ``min_members`` voters within ``hops`` of one funder.

    Whether it is a ring is ``ring_evidence.judge_ring``'s call.
    """

    hops: int = Field(default=2, ge=1, le=4)
    min_members: int = Field(default=3, ge=2)


@dataclass(frozen=True)
class Ring:
    """A funder and the fresh voters it reaches, with the funding path to each."""

    funder: str
    members: tuple[str, ...]
    paths: dict[str, list[str]]
    votes: tuple[Vote, ...]


def funding_graph(edges: Iterable[tuple[str, str]], hubs: set[str]) -> nx.DiGraph:
    """Directed src -> dst funding edges without the hubs (they link everyone)."""
    graph = nx.DiGraph()
    graph.add_edges_from((s, d) for s, d in edges if s not in hubs and d not in hubs and s != d)
    return graph


def find_ring(votes: Sequence[Vote], eligible: Sequence[str], graph: nx.DiGraph,
              rule: RingRule) -> Ring | None:
    """The funder reaching most ``eligible`` voters within ``hops`` (ties: earliest address)."""
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
