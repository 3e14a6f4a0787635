"""What the engine knows of an address: entity graph facts and off-chain history.

The chain side fills ``entities``, ``edges``, ``address_labels`` and ``findings``; here
they are only read. A destination funded by, or linked to, a labelled address is risky.
"""

from __future__ import annotations

from typing import Any

import asyncpg

from hafeniq_chain.offchain.history import Queryable

_LINKED_LABELS = """
SELECT a.address AS subject, l.address, l.label
FROM unnest($2::text[]) AS a(address)
CROSS JOIN LATERAL (
    SELECT DISTINCT l.address, l.label FROM address_labels l
    WHERE l.chain_id = $1 AND (l.address = a.address
       OR l.address = (SELECT first_funder FROM entities
                       WHERE chain_id = $1 AND address = a.address)
       OR l.address IN (SELECT src FROM edges WHERE chain_id = $1 AND dst = a.address
                        UNION SELECT dst FROM edges WHERE chain_id = $1 AND src = a.address))
) l
ORDER BY 1, 2, 3
"""


async def flagged_links_many(conn: Queryable, chain_id: int, addresses: list[str]
                             ) -> dict[str, list[dict[str, str]]]:
    """For each of ``addresses``: labelled addresses equal to, funding, or one edge away
    from it (an empty list when none), in one query."""
    found: dict[str, list[dict[str, str]]] = {a: [] for a in addresses}
    for r in await conn.fetch(_LINKED_LABELS, chain_id, addresses):
        found[r["subject"]].append({"address": r["address"], "label": r["label"]})
    return found


async def flagged_links(conn: Queryable, chain_id: int, address: str
                        ) -> list[dict[str, str]]:
    """Labelled addresses equal to, funding, or one edge away from ``address``."""
    return (await flagged_links_many(conn, chain_id, [address]))[address]


async def describe_address(conn: asyncpg.Connection, tenant: str, chain_id: int,
                           address: str) -> dict[str, Any]:
    """Everything known about ``address``: graph node, degree, labels, findings, off-chain use."""
    entity = await conn.fetchrow(
        "SELECT kind, first_seen_block, first_funder, first_funded_block, labels"
        " FROM entities WHERE chain_id = $1 AND address = $2", chain_id, address)
    degree = await conn.fetchrow(
        "SELECT (SELECT count(*) FROM edges WHERE chain_id = $1 AND src = $2) AS out_edges,"
        " (SELECT count(*) FROM edges WHERE chain_id = $1 AND dst = $2) AS in_edges",
        chain_id, address)
    findings = await conn.fetch(
        "SELECT id, detector, kind, score, severity, created_at FROM findings"
        " WHERE $1 = ANY(entities) AND status <> 'retracted' ORDER BY id DESC LIMIT 20", address)
    offchain = await conn.fetchrow(
        "SELECT count(*) AS requests, count(DISTINCT account_id) AS accounts,"
        " min(occurred_at) AS first_seen, max(occurred_at) AS last_seen FROM offchain_events"
        " WHERE tenant = $1 AND kind = 'withdrawal_request'"
        " AND payload->>'destination' = $2", tenant, address)
    return {
        "address": address, "chain_id": chain_id,
        "entity": ({**dict(entity), "labels": list(entity["labels"])} if entity else None),
        "out_edges": degree["out_edges"] if degree else 0,
        "in_edges": degree["in_edges"] if degree else 0,
        "flagged_links": await flagged_links(conn, chain_id, address),
        "findings": [{**dict(f), "created_at": f["created_at"].isoformat()} for f in findings],
        "withdrawals": {
            "requests": offchain["requests"] if offchain else 0,
            "accounts": offchain["accounts"] if offchain else 0,
            "first_seen": offchain["first_seen"].isoformat()
            if offchain and offchain["first_seen"] else None,
            "last_seen": offchain["last_seen"].isoformat()
            if offchain and offchain["last_seen"] else None,
        },
    }
