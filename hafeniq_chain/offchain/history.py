"""Reading withdrawal history from ``offchain_events`` (the only store of it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import asyncpg


@dataclass(frozen=True)
class PastWithdrawal:
    """One earlier withdrawal request of an account (or of anyone, for the platform)."""

    account_id: str
    destination: str
    amount: Decimal
    occurred_at: datetime
    new_destination: bool = False


async def account_history(conn: asyncpg.Connection, tenant: str, account_id: str,
                          before: datetime, limit: int = 5000) -> list[PastWithdrawal]:
    """The account's withdrawals before ``before``, oldest first (most recent ``limit``)."""
    rows = await conn.fetch(
        "SELECT payload->>'destination' AS dst, payload->>'amount' AS amount, occurred_at"
        " FROM offchain_events WHERE tenant = $1 AND account_id = $2"
        " AND kind = 'withdrawal_request' AND occurred_at < $3"
        " ORDER BY occurred_at DESC LIMIT $4", tenant, account_id, before, limit)
    return [PastWithdrawal(account_id, r["dst"] or "", Decimal(r["amount"] or 0),
                           r["occurred_at"]) for r in reversed(rows)]


_WINDOW = """
SELECT e.account_id, e.payload->>'destination' AS dst, e.payload->>'amount' AS amount,
       e.occurred_at,
       NOT EXISTS (SELECT 1 FROM offchain_events p
                   WHERE p.tenant = e.tenant AND p.kind = 'withdrawal_request'
                     AND p.payload->>'destination' = e.payload->>'destination'
                     AND p.account_id = e.account_id AND p.occurred_at < e.occurred_at) AS new
FROM offchain_events e
WHERE e.tenant = $1 AND e.kind = 'withdrawal_request' AND e.occurred_at > $2
  AND e.occurred_at <= $3
ORDER BY e.occurred_at
"""


async def platform_window(conn: asyncpg.Connection, tenant: str, start: datetime,
                          end: datetime) -> list[PastWithdrawal]:
    """Every withdrawal in (start, end], flagged when new for its account."""
    rows = await conn.fetch(_WINDOW, tenant, start, end)
    return [PastWithdrawal(r["account_id"] or "", r["dst"] or "", Decimal(r["amount"] or 0),
                           r["occurred_at"], bool(r["new"])) for r in rows]


async def destination_seen_before(conn: asyncpg.Connection, tenant: str, destination: str,
                                  before: datetime) -> bool:
    """Whether anyone on the platform sent to ``destination`` before ``before``."""
    return bool(await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM offchain_events WHERE tenant = $1"
        " AND kind = 'withdrawal_request' AND payload->>'destination' = $2"
        " AND occurred_at < $3)", tenant, destination, before))


_BASELINE = """
SELECT count(*) AS n, count(*) FILTER (WHERE rn = 1) AS new, min(occurred_at) AS first
FROM (SELECT occurred_at,
             row_number() OVER (PARTITION BY account_id, payload->>'destination'
                                ORDER BY occurred_at) AS rn
      FROM offchain_events
      WHERE tenant = $1 AND kind = 'withdrawal_request' AND occurred_at < $3) s
WHERE occurred_at >= $2
"""


async def platform_baseline_counts(conn: asyncpg.Connection, tenant: str, start: datetime,
                                   end: datetime) -> tuple[int, int, float]:
    """(withdrawals, new-destination withdrawals, days covered) over [start, end)."""
    row = await conn.fetchrow(_BASELINE, tenant, start, end)
    if row is None or not row["n"]:
        return 0, 0, 0.0
    days = max((end - row["first"]).total_seconds() / 86400, 1.0)
    return int(row["n"]), int(row["new"]), days
