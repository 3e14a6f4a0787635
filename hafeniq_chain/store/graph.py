"""Bounded subgraphs of the entity graph, pulled from ``edges`` into networkx.

networkx never sees the whole chain: a BFS in SQL expands k hops around the seed
addresses, within a block window and a node budget, and only that slice is loaded.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import asyncpg
import networkx as nx

_FRONTIER = """
SELECT src, dst, kind, token, count, total, first_block, last_block FROM edges
WHERE chain_id = $1 AND (src = ANY($2::text[]) OR dst = ANY($2::text[]))
  AND ($3::text[] IS NULL OR kind = ANY($3::text[]))
  AND ($4::bigint IS NULL OR last_block >= $4)
  AND ($5::bigint IS NULL OR first_block <= $5)
ORDER BY last_block DESC LIMIT $6"""


async def k_hop_subgraph(pool: asyncpg.Pool, chain_id: int, seeds: Iterable[str], *,
                         hops: int = 2, kinds: Sequence[str] | None = None,
                         from_block: int | None = None, to_block: int | None = None,
                         max_nodes: int = 500, max_edges_per_hop: int = 5000
                         ) -> nx.MultiDiGraph:
    """Edges within ``hops`` of ``seeds`` (either direction), as a MultiDiGraph.

    Each edge carries kind, token, count, total, first_block and last_block. Expansion
    stops once ``max_nodes`` nodes are known, so a hub (an exchange, a router) cannot
    pull in half the chain.
    """
    graph = nx.MultiDiGraph()
    frontier = sorted({s.lower() for s in seeds})
    graph.add_nodes_from(frontier)
    seen: set[tuple[str, str, str, str]] = set()
    for _ in range(hops):
        if not frontier or graph.number_of_nodes() >= max_nodes:
            break
        rows = await pool.fetch(_FRONTIER, chain_id, frontier, list(kinds) if kinds else None,
                                from_block, to_block, max_edges_per_hop)
        new_nodes: set[str] = set()
        for r in rows:
            key = (r["src"], r["dst"], r["kind"], r["token"])
            if key in seen:
                continue
            for node in (r["src"], r["dst"]):
                if node not in graph and graph.number_of_nodes() < max_nodes:
                    new_nodes.add(node)
                    graph.add_node(node)
            if r["src"] in graph and r["dst"] in graph:
                seen.add(key)
                graph.add_edge(r["src"], r["dst"], key=f"{r['kind']}:{r['token']}",
                               kind=r["kind"], token=r["token"], count=r["count"],
                               total=int(r["total"]), first_block=r["first_block"],
                               last_block=r["last_block"])
        frontier = sorted(new_nodes)
    return graph
