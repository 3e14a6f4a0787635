"""Reading withdrawal history from ``offchain_events`` (the only store of it)."""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import NamedTuple, TypeAlias

import asyncpg

# NOTE: the scoring path reads through the pool (a connection only for the query) so a
# request whose reads are all served from memory holds no connection at all.
Queryable: TypeAlias = asyncpg.Pool | asyncpg.Connection


class PastWithdrawal(NamedTuple):
    """One earlier withdrawal request of an account (or of anyone, for the platform).

    A named tuple (no per-instance dict): the scoring engine keeps millions of these.
    NOTE: the cyclic garbage collector still tracks them (it untracks exact tuples only),
    so a full collection pass grows with the histories kept.
    """

    account_id: str
    destination: str
    amount: Decimal
    occurred_at: datetime
    new_destination: bool = False


def _occurred_at(w: PastWithdrawal) -> datetime:
    return w.occurred_at


def since(history: list[PastWithdrawal], start: datetime) -> list[PastWithdrawal]:
    """The entries of a time-ordered history after ``start`` (a binary search)."""
    return history[bisect.bisect_right(history, start, key=_occurred_at):]


def before(history: list[PastWithdrawal], at: datetime) -> list[PastWithdrawal]:
    """The entries of a time-ordered history strictly before ``at``."""
    if not history or history[-1].occurred_at < at:
        return history
    return history[:bisect.bisect_left(history, at, key=_occurred_at)]


# One withdrawal request ``e`` with whether its destination was new to its account (stored
# with the request when scored, else derived from the account's earlier requests).
WINDOW_ROW_COLUMNS = """
    e.account_id, e.payload->>'destination' AS dst, e.occurred_at,
    CASE WHEN e.payload ? 'new_destination' THEN (e.payload->>'new_destination')::boolean
         ELSE NOT EXISTS (
             SELECT 1 FROM offchain_events p
             WHERE p.tenant = e.tenant AND p.kind = 'withdrawal_request'
               AND p.payload->>'destination' = e.payload->>'destination'
               AND p.account_id = e.account_id AND p.occurred_at < e.occurred_at)
    END AS new"""

_WINDOW = f"""
WITH w AS (
    SELECT {WINDOW_ROW_COLUMNS}
    FROM offchain_events e
    WHERE e.tenant = $1 AND e.kind = 'withdrawal_request' AND e.occurred_at > $2
      AND e.occurred_at <= $3)
SELECT account_id, dst, min(occurred_at) AS first_at, count(*) AS n,
       count(*) FILTER (WHERE new) AS new_n
FROM w GROUP BY account_id, dst ORDER BY first_at
"""


@dataclass(frozen=True)
class WindowSummary:
    """A platform window compacted to first sends per (account, destination) plus counts.

    Compact on purpose: at hundreds of requests per second a 10-minute window holds
    thousands of rows, and only these figures are needed.
    """

    first_sends: list[PastWithdrawal]
    total: int
    new: int


async def platform_window(conn: Queryable, tenant: str, start: datetime,
                          end: datetime) -> WindowSummary:
    """The withdrawals in (start, end], summarised (new = first use by that account)."""
    rows = await conn.fetch(_WINDOW, tenant, start, end)
    sends = [PastWithdrawal(r["account_id"] or "", r["dst"] or "", Decimal(0), r["first_at"],
                            r["new_n"] > 0) for r in rows]
    return WindowSummary(sends, sum(r["n"] for r in rows), sum(r["new_n"] for r in rows))


async def first_stored_uses(conn: Queryable, tenant: str, destinations: list[str]
                            ) -> dict[str, datetime | None]:
    """When anyone on the platform first sent to each of ``destinations`` (None: never)."""
    rows = await conn.fetch(
        "SELECT d AS dst, (SELECT min(occurred_at) FROM offchain_events WHERE tenant = $1"
        " AND kind = 'withdrawal_request' AND payload->>'destination' = d) AS first"
        " FROM unnest($2::text[]) AS d", tenant, destinations)
    return {r["dst"]: r["first"] for r in rows}


_BASELINE = """
SELECT count(*) AS n, count(*) FILTER (WHERE rn = 1) AS new, min(occurred_at) AS first
FROM (SELECT occurred_at,
             row_number() OVER (PARTITION BY account_id, payload->>'destination'
                                ORDER BY occurred_at) AS rn
      FROM offchain_events
      WHERE tenant = $1 AND kind = 'withdrawal_request' AND occurred_at < $3) s
WHERE occurred_at >= $2
"""


async def platform_baseline_counts(conn: Queryable, tenant: str, start: datetime,
                                   end: datetime) -> tuple[int, int, float]:
    """(withdrawals, new-destination withdrawals, days covered) over [start, end)."""
    row = await conn.fetchrow(_BASELINE, tenant, start, end)
    if row is None or not row["n"]:
        return 0, 0, 0.0
    days = max((end - row["first"]).total_seconds() / 86400, 1.0)
    return int(row["n"]), int(row["new"]), days
