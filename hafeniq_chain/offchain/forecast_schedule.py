"""Scheduled off-chain jobs (apscheduler, inside the daemon's loop): the weekly forecast
retrain and the daily purge of raw events past their retention window."""

from __future__ import annotations

from datetime import UTC, datetime

import asyncpg
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger

from hafeniq_chain.core.settings import ForecastSettings
from hafeniq_chain.offchain.forecast_store import retrain_accounts
from hafeniq_chain.offchain.retention import purge_raw_events

JOB_ID = "forecast-retrain"
PURGE_JOB_ID = "offchain-retention"


async def retrain_now(pool: asyncpg.Pool, settings: ForecastSettings,
                      tenant: str | None = None) -> dict[str, int]:
    """The job body (every tenant); also what the on-demand API endpoint calls (one
    tenant's accounts, unless the operator asks)."""
    return await retrain_accounts(pool, settings, datetime.now(UTC), tenant)


async def purge_now(pool: asyncpg.Pool, retention_days: int) -> int:
    return await purge_raw_events(pool, retention_days, datetime.now(UTC))


def build_forecast_scheduler(pool: asyncpg.Pool, settings: ForecastSettings,
                             retention_days: int | None = None) -> AsyncIOScheduler:
    """A scheduler (not started): weekly retrain, and a daily purge when retention is set."""
    scheduler = AsyncIOScheduler(timezone=UTC)
    scheduler.add_job(retrain_now, CronTrigger(day_of_week=settings.retrain_day_of_week,
                                               hour=settings.retrain_hour, timezone=UTC),
                      args=[pool, settings], id=JOB_ID, coalesce=True, max_instances=1,
                      misfire_grace_time=3600)
    if retention_days is not None:
        scheduler.add_job(purge_now, CronTrigger(hour=4, minute=30, timezone=UTC),
                          args=[pool, retention_days], id=PURGE_JOB_ID, coalesce=True,
                          max_instances=1, misfire_grace_time=3600)
    return scheduler
