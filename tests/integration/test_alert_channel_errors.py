"""A channel that raises (a bug, a bad URL, a rendering error) must not stop delivery:
the attempt is counted and retried like any failure, and the other channels still deliver."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest

from hafeniq_chain.alert.channels import SendResult
from hafeniq_chain.alert.outbox import OutboxLoop
from hafeniq_chain.core.finding import ConfidenceBand, Finding, Severity
from hafeniq_chain.core.policy import Policy
from hafeniq_chain.core.reasons import ReasonCode
from hafeniq_chain.fuse.engine import IncidentEngine

pytestmark = pytest.mark.integration


class RaisingChannel:
    """Raises on every send, as a channel with a bug would."""

    name = "broken"

    async def send(self, payload: dict[str, Any], idempotency_key: str) -> SendResult:
        raise KeyError("explanation")


class RecordingChannel:
    """Accepts every send and remembers the idempotency keys."""

    name = "ok"

    def __init__(self) -> None:
        self.keys: list[str] = []

    async def send(self, payload: dict[str, Any], idempotency_key: str) -> SendResult:
        self.keys.append(idempotency_key)
        return SendResult(True)


async def test_raising_channel_is_a_counted_failure_not_a_crash(pool: asyncpg.Pool) -> None:
    finding = Finding("drift", "1", "burst", 0.95, ConfidenceBand(0.9, 0.97), Severity.HIGH,
                      (ReasonCode.FLASH_BURST,), "burst", "k1", entities=("0xcontract1",))
    await IncidentEngine(pool, Policy(), ["broken", "ok"]).process([finding])
    good = RecordingChannel()
    loop = OutboxLoop(pool, {"broken": RaisingChannel(), "ok": good},
                      max_attempts=2, backoff_base_s=0.0, backoff_max_s=0.0)
    for _ in range(3):
        await loop.run_once()
    rows = {r["channel"]: r for r in await pool.fetch(
        "SELECT channel, status, attempts, last_error FROM alert_deliveries")}
    assert (rows["ok"]["status"], rows["ok"]["attempts"]) == ("sent", 1)
    assert (rows["broken"]["status"], rows["broken"]["attempts"]) == ("dead", 2)
    assert "KeyError" in rows["broken"]["last_error"]
    assert len(good.keys) == 1
