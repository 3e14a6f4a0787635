"""Amount-forecast policy (seed 002): training, not-covered, log_only vs reject, schedule."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import asyncpg
import httpx
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED

from hafeniq_chain.api.app import create_app
from hafeniq_chain.config import ForecastSettings
from hafeniq_chain.core.forecast import DETECTOR, check_amount, train_forecast
from hafeniq_chain.offchain.forecast_schedule import (
    JOB_ID,
    PURGE_JOB_ID,
    build_forecast_scheduler,
)
from hafeniq_chain.offchain.retention import purge_raw_events
from tests.integration.api.conftest import make_settings

NOW = datetime.now(UTC).replace(microsecond=0)
DEST = "0x" + "12" * 20


def _history(account: str, count: int, rng: random.Random) -> list[dict[str, str]]:
    return [{"event_id": f"{account}-{i}", "kind": "withdrawal_request", "account_id": account,
             "occurred_at": (NOW - timedelta(days=60) + timedelta(hours=20 * i)).isoformat(),
             "destination": DEST, "asset": "USDT", "amount": f"{rng.uniform(800, 1200):.2f}"}
            for i in range(count)]


def test_training_needs_enough_history() -> None:
    rng = random.Random(1)
    pairs = [(NOW + timedelta(hours=i), Decimal(rng.uniform(90, 110))) for i in range(40)]
    assert train_forecast(pairs[:10], 30, NOW) is None
    forecast = train_forecast(pairs, 30, NOW)
    assert forecast is not None and 110 < forecast.tx_limit < 200
    assert forecast.hourly_limit >= forecast.tx_limit
    assert check_amount(forecast, "reject", Decimal(500), Decimal(0)).rejects
    assert not check_amount(forecast, "log_only", Decimal(500), Decimal(0)).rejects
    assert check_amount(None, "reject", Decimal(500), Decimal(0)).as_dict()["verdict"] \
        == "not_covered"


async def test_reject_log_only_and_not_covered(pool: asyncpg.Pool, auth: dict[str, str]) -> None:
    settings = make_settings()
    settings.forecast = ForecastSettings(modes={"whale": "reject"})
    # NOTE: the requests below run up to ten hours ahead of the forecast's training time.
    settings.withdrawals.future_tolerance_s = 12 * 3600
    app = create_app(pool, settings)
    rng = random.Random(2)
    events = _history("whale", 60, rng) + _history("steady", 60, rng) + _history("newbie", 5, rng)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://api.test", headers=auth) as c:
        assert (await c.post("/v1/events", json={"events": events})).status_code == 200
        r = await c.post("/v1/forecast/retrain")
        assert r.json() == {"scopes": 3, "covered": 2, "not_covered": 1}

        async def score(rid: str, account: str, amount: str, minutes: int) -> dict:
            r = await c.post("/v1/withdrawals/score", json={
                "request_id": rid, "account_id": account, "destination": DEST, "asset": "USDT",
                "amount": amount, "occurred_at": (NOW + timedelta(minutes=minutes)).isoformat()})
            assert r.status_code == 200, r.text
            return r.json()

        ok = await score("w-ok", "whale", "1000.00", 0)
        assert ok["forecast"]["verdict"] == "ok" and ok["action"] == "APPROVED"
        big = await score("w-big", "whale", "50000.00", 120)
        assert big["forecast"]["verdict"] == "rejected" and big["action"] == "BLOCKED"
        assert "AMOUNT_ABOVE_FORECAST" in big["reason_codes"]
        logged = await score("s-big", "steady", "50000.00", 240)
        assert logged["forecast"]["verdict"] == "logged"
        assert logged["forecast"]["mode"] == "log_only"
        fresh = await score("n-1", "newbie", "1000.00", 0)
        assert fresh["forecast"] == {**fresh["forecast"], "covered": False,
                                     "verdict": "not_covered"}
        burst = [await score(f"w-burst-{i}", "whale", "1150.00", 600 + i) for i in range(4)]
        assert burst[-1]["forecast"]["verdict"] == "rejected"
        assert "VELOCITY_EXCEEDED" in burst[-1]["reason_codes"]


async def test_scheduler_runs_the_weekly_retrain(pool: asyncpg.Pool) -> None:
    await pool.executemany(
        "INSERT INTO offchain_events (tenant, event_id, kind, account_id, occurred_at, payload)"
        " VALUES ('acme', $1, 'withdrawal_request', 'a1', $2, $3)",
        [(f"e{i}", NOW - timedelta(days=1, hours=i), {"amount": "100", "destination": DEST})
         for i in range(35)])
    settings = ForecastSettings()
    scheduler = build_forecast_scheduler(pool, settings)
    job = scheduler.get_job(JOB_ID)
    assert "day_of_week='mon'" in str(job.trigger) and "hour='3'" in str(job.trigger)
    finished = asyncio.Event()
    scheduler.add_listener(lambda _: finished.set(), EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
    scheduler.start()
    try:
        scheduler.modify_job(JOB_ID, next_run_time=datetime.now(UTC))
        await asyncio.wait_for(finished.wait(), 30)
    finally:
        scheduler.shutdown(wait=False)
    assert await pool.fetchval("SELECT count(*) FROM baselines WHERE detector = $1", DETECTOR)
    state = await pool.fetchval("SELECT state FROM baselines WHERE scope = 'acme:a1'")
    assert state["samples"] == 35 and state["tx_limit"] > 100


async def test_retention_purges_only_old_raw_events(pool: asyncpg.Pool) -> None:
    await pool.executemany(
        "INSERT INTO offchain_events (tenant, event_id, kind, occurred_at, payload)"
        " VALUES ('acme', $1, 'login', $2, '{}')",
        [("old", NOW - timedelta(days=100)), ("new", NOW - timedelta(days=10))])
    assert await purge_raw_events(pool, 90, NOW) == 1
    assert await pool.fetchval("SELECT array_agg(event_id) FROM offchain_events") == ["new"]
    scheduler = build_forecast_scheduler(pool, ForecastSettings(), retention_days=90)
    assert scheduler.get_job(PURGE_JOB_ID) is not None
