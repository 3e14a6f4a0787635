"""Retention window for raw off-chain events (privacy: keep metadata only as long as needed).

Decisions and the audit log are kept; only the raw events older than the window go.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import asyncpg

from hafeniq_chain.log import get_logger

log = get_logger(__name__)


async def purge_raw_events(pool: asyncpg.Pool, retention_days: int, now: datetime) -> int:
    """Delete off-chain events older than ``retention_days``; returns how many."""
    status: str = await pool.execute(
        "DELETE FROM offchain_events WHERE occurred_at < $1", now - timedelta(days=retention_days))
    deleted = int(status.split()[-1])
    log.info("offchain.retention_purged", deleted=deleted, retention_days=retention_days)
    return deleted
