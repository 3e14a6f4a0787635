"""The outbox delivery loop: every pending alert reaches every channel, exactly once
from the receiver's point of view (stable idempotency key), or ends in dead-letter.

Rows are claimed with ``FOR UPDATE SKIP LOCKED`` so several replicas can run the loop;
a crash mid-send leaves the row pending and it is sent again (the receiver drops the
duplicate by its idempotency key). Retries back off exponentially with full jitter.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Mapping

import asyncpg

from hafeniq_chain.alert.channels import Channel, SendResult
from hafeniq_chain.alert.retraction import enqueue_retractions
from hafeniq_chain.log import get_logger
from hafeniq_chain.metrics import ALERT_DELIVERIES, ALERT_DELIVERY_LATENCY
from hafeniq_chain.store.database import Connection

log = get_logger(__name__)

_CLAIM = """
SELECT d.id, d.channel, d.idempotency_key, d.attempts, a.payload, a.id AS alert_id,
       extract(epoch FROM now() - a.created_at) AS age_s
FROM alert_deliveries d JOIN alerts a ON a.id = d.alert_id
WHERE d.status IN ('pending', 'failed') AND d.next_attempt_at <= now()
ORDER BY d.id LIMIT 1 FOR UPDATE OF d SKIP LOCKED"""


class OutboxLoop:
    """Delivers due outbox rows through the configured channels."""

    def __init__(self, pool: asyncpg.Pool, channels: Mapping[str, Channel], *,
                 max_attempts: int = 8, backoff_base_s: float = 1.0,
                 backoff_max_s: float = 300.0, batch: int = 20) -> None:
        self.pool = pool
        self.channels = dict(channels)
        self.max_attempts = max_attempts
        self.backoff_base_s = backoff_base_s
        self.backoff_max_s = backoff_max_s
        self.batch = batch
        self.wakeup = asyncio.Event()  # set when a new alert commits: deliver without waiting

    def backoff(self, attempts: int) -> float:
        """Full jitter: uniform in [0, min(max, base * 2^attempts)]."""
        return random.uniform(0, min(self.backoff_max_s, self.backoff_base_s * 2 ** attempts))

    async def run_once(self) -> int:
        """Attempt up to ``batch`` due deliveries; returns how many were attempted.

        Each delivery is claimed, sent and recorded in its own short transaction, so its
        outcome is durable the moment it is known and a slow receiver holds one row lock,
        not a batch.
        """
        async with self.pool.acquire() as conn, conn.transaction():
            await enqueue_retractions(conn, list(self.channels))
        attempted = 0
        while attempted < self.batch:
            async with self.pool.acquire() as conn, conn.transaction():
                row = await conn.fetchrow(_CLAIM)
                if row is None:
                    break
                started = time.monotonic()
                result = await self._attempt(row)
                await self._record(conn, row, result, time.monotonic() - started)
            attempted += 1
        return attempted

    async def _attempt(self, row: asyncpg.Record) -> SendResult:
        """One send; a channel that raises is a counted failure (retried, then dead-lettered)
        rather than an exception that rolls back the batch and stops the daemon."""
        channel = self.channels.get(row["channel"])
        if channel is None:
            return SendResult(False, f"channel {row['channel']!r} is not configured")
        try:
            return await channel.send(row["payload"], row["idempotency_key"])
        except Exception as exc:  # any channel bug must not stop delivery
            log.exception("alert.channel_error", alert=row["alert_id"], channel=row["channel"])
            return SendResult(False, f"channel error: {exc!r}"[:300])

    async def _record(self, conn: Connection, row: asyncpg.Record,
                      result: SendResult, send_s: float = 0.0) -> None:
        attempts = row["attempts"] + 1
        if result.ok:
            await conn.execute("UPDATE alert_deliveries SET status = 'sent', attempts = $2, "
                               "delivered_at = now(), last_error = NULL WHERE id = $1",
                               row["id"], attempts)
            ALERT_DELIVERIES.labels(channel=row["channel"], outcome="ok").inc()
            ALERT_DELIVERY_LATENCY.labels(channel=row["channel"]).observe(
                float(row["age_s"]) + send_s)
            log.info("alert.delivered", alert=row["alert_id"], channel=row["channel"],
                     attempts=attempts)
            return
        dead = attempts >= self.max_attempts
        delay = result.retry_after_s if result.retry_after_s is not None else self.backoff(
            attempts)
        await conn.execute(
            "UPDATE alert_deliveries SET status = $2, attempts = $3, last_error = $4, "
            "next_attempt_at = now() + make_interval(secs => $5) WHERE id = $1",
            row["id"], "dead" if dead else "failed", attempts, result.error, delay)
        ALERT_DELIVERIES.labels(channel=row["channel"],
                                outcome="dead" if dead else "failed").inc()
        log.warning("alert.delivery_dead" if dead else "alert.delivery_failed",
                    alert=row["alert_id"], channel=row["channel"], attempts=attempts,
                    error=result.error, retry_in_s=None if dead else round(delay, 2))

    async def run(self, stop: asyncio.Event, idle_s: float = 0.5) -> None:
        """Deliver until ``stop``; then one last pass so due alerts are not left behind."""
        while not stop.is_set():
            self.wakeup.clear()
            if not await self.run_once():
                await self._idle(stop, idle_s)
        await self.run_once()

    async def _idle(self, stop: asyncio.Event, idle_s: float) -> None:
        """Wait for a new alert, ``stop`` or ``idle_s`` (retries fall due with time)."""
        waits = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self.wakeup.wait())]
        try:
            await asyncio.wait(waits, timeout=idle_s, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for w in waits:
                w.cancel()
