"""Training every scope's forecast from Postgres and reading it back.

Off-chain scopes are ``<tenant>:<account>`` (withdrawal requests); on-chain scopes are
``chain:<id>:<wallet>`` (outgoing transfers of a watched hot wallet, from edge_events).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import cast

import asyncpg

from hafeniq_chain.core.forecast import DETECTOR, AmountForecast, train_forecast
from hafeniq_chain.core.settings import ForecastSettings
from hafeniq_chain.log import get_logger
from hafeniq_chain.offchain.history import Queryable

log = get_logger(__name__)


def account_scope(tenant: str, account_id: str) -> str:
    return f"{tenant}:{account_id}"


def wallet_scope(chain_id: int, wallet: str) -> str:
    return f"chain:{chain_id}:{wallet.lower()}"


async def _save(conn: asyncpg.Connection, scope: str, forecast: AmountForecast | None,
                samples: int) -> None:
    state = forecast.as_state() if forecast else {"covered": False, "samples": samples}
    await conn.execute(
        "INSERT INTO baselines (detector, scope, state, samples, updated_at)"
        " VALUES ($1, $2, $3, $4, now()) ON CONFLICT (detector, scope) DO UPDATE"
        " SET state = EXCLUDED.state, samples = EXCLUDED.samples, updated_at = now()",
        DETECTOR, scope, state, samples)


async def retrain_accounts(pool: asyncpg.Pool, settings: ForecastSettings,
                           now: datetime, tenant: str | None = None) -> dict[str, int]:
    """Retrain every account (of ``tenant``, None: of all) with withdrawals in the history
    window; returns counts."""
    rows = await pool.fetch(
        "SELECT tenant, account_id, array_agg(occurred_at ORDER BY occurred_at) AS ts,"
        " array_agg(payload->>'amount' ORDER BY occurred_at) AS amounts"
        " FROM offchain_events WHERE kind = 'withdrawal_request' AND account_id IS NOT NULL"
        " AND occurred_at >= $1 AND occurred_at < $2 AND ($3::text IS NULL OR tenant = $3)"
        " GROUP BY tenant, account_id", now - timedelta(days=settings.history_days), now, tenant)
    covered = 0
    async with pool.acquire() as proxy:
        conn = cast(asyncpg.Connection, proxy)
        for r in rows:
            history = [(t, Decimal(a or 0)) for t, a in zip(r["ts"], r["amounts"], strict=True)]
            forecast = train_forecast(history, settings.min_samples, now)
            covered += forecast is not None
            await _save(conn, account_scope(r["tenant"], r["account_id"]), forecast,
                        len(history))
    log.info("forecast.retrained", scopes=len(rows), covered=covered)
    return {"scopes": len(rows), "covered": covered, "not_covered": len(rows) - covered}


async def load_forecast(conn: Queryable, scope: str) -> AmountForecast | None:
    """The stored forecast of ``scope``; None when untrained or not covered."""
    state = await conn.fetchval(
        "SELECT state FROM baselines WHERE detector = $1 AND scope = $2", DETECTOR, scope)
    if not state or "tx_limit" not in state:
        return None
    return AmountForecast(state["tx_limit"], state["hourly_limit"], state["samples"],
                          state["trained_at"])
