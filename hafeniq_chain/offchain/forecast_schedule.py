"""Weekly (by default) forecast retraining with apscheduler, inside the daemon's loop."""

from __future__ import annotations

from datetime import UTC, datetime

import asyncpg
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger

from hafeniq_chain.config import ForecastSettings
from hafeniq_chain.offchain.forecast_store import retrain_accounts

JOB_ID = "forecast-retrain"


async def retrain_now(pool: asyncpg.Pool, settings: ForecastSettings) -> dict[str, int]:
    """The job body; also what the on-demand API endpoint calls."""
    return await retrain_accounts(pool, settings, datetime.now(UTC))


def build_forecast_scheduler(pool: asyncpg.Pool, settings: ForecastSettings
                             ) -> AsyncIOScheduler:
    """A scheduler (not started) with the retrain job on the configured weekly cron."""
    scheduler = AsyncIOScheduler(timezone=UTC)
    scheduler.add_job(retrain_now, CronTrigger(day_of_week=settings.retrain_day_of_week,
                                               hour=settings.retrain_hour, timezone=UTC),
                      args=[pool, settings], id=JOB_ID, coalesce=True, max_instances=1,
                      misfire_grace_time=3600)
    return scheduler
