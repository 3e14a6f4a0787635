"""Input bounds: exponent-form, oversized, future and expired input is refused with 422
naming the field and stores nothing; an unknown account asking for a fortune is held;
incidents are grouped by event time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from hafeniq_chain.api.app import create_app
from hafeniq_chain.config import Settings, WithdrawalSettings
from tests.integration.api.conftest import make_settings

pytestmark = pytest.mark.integration
NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def settings() -> Settings:
    s = make_settings()
    return s.model_copy(update={"withdrawals": WithdrawalSettings(
        max_amount_per_asset={"BTC": Decimal(100)}, future_tolerance_s=60)})


@pytest.fixture
def app(pool: asyncpg.Pool, settings: Settings) -> FastAPI:
    return create_app(pool, settings, alert_channels=["webhook"])


def _body(**over: object) -> dict[str, object]:
    return {"request_id": "r1", "account_id": "u1", "destination": "0x" + "11" * 20,
            "asset": "USDT", "amount": "120.50", "occurred_at": NOW.isoformat(), **over}


@pytest.mark.parametrize(("over", "field"), [
    ({"amount": "1e30"}, "amount"), ({"amount": "1E3"}, "amount"), ({"amount": "NaN"}, "amount"),
    ({"amount": "Infinity"}, "amount"), ({"amount": 1e30}, "amount"),
    ({"amount": "101", "asset": "BTC"}, "amount"),
    ({"occurred_at": "2999-01-01T00:00:00Z"}, "occurred_at"),
    ({"occurred_at": (NOW + timedelta(seconds=600)).isoformat()}, "occurred_at"),
    ({"occurred_at": (NOW - timedelta(days=4000)).isoformat()}, "occurred_at"),
])
async def test_out_of_bounds_requests_are_refused(client: httpx.AsyncClient,
                                                  auth: dict[str, str], pool: asyncpg.Pool,
                                                  over: dict[str, object], field: str) -> None:
    r = await client.post("/v1/withdrawals/score", json=_body(**over), headers=auth)
    assert r.status_code == 422, r.text
    assert [e["field"] for e in r.json()["errors"]] == [field]
    event = {"event_id": "e1", "kind": "withdrawal_request", "account_id": "u1",
             **{k: v for k, v in _body(**over).items() if k not in ("request_id",)}}
    r = await client.post("/v1/events", json={"events": [event]}, headers=auth)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == f"events.0.{field}"
    assert await pool.fetchval("SELECT count(*) FROM offchain_events") == 0


async def test_plain_amounts_pass_and_unknown_large_is_held(client: httpx.AsyncClient,
                                                            auth: dict[str, str]) -> None:
    r = await client.post("/v1/withdrawals/score", json=_body(amount=120.5), headers=auth)
    assert r.json()["action"] == "APPROVED"
    r = await client.post("/v1/withdrawals/score", headers=auth,
                          json=_body(request_id="r2", account_id="u2", amount="5000000",
                                     destination="0x" + "22" * 20))
    body = r.json()
    assert body["action"] == "HOLD", body
    assert any(x["feature"] == "not_covered_max_amount" for x in body["reasons"])


async def test_incidents_are_keyed_on_event_time(client: httpx.AsyncClient,
                                                 auth: dict[str, str],
                                                 pool: asyncpg.Pool) -> None:
    """Two convergences five hours apart in event time, sent within a second: two
    incidents, each with a detection window of seconds."""
    ids = []
    for burst, start in enumerate([NOW - timedelta(hours=8), NOW - timedelta(hours=3)]):
        dest = "0x" + f"{burst + 5}" * 40
        for i in range(3):
            r = await client.post("/v1/withdrawals/score", headers=auth, json=_body(
                request_id=f"b{burst}-{i}", account_id=f"x{burst}-{i}", destination=dest,
                occurred_at=(start + timedelta(seconds=30 * i)).isoformat()))
            ids.append(r.json()["incident_id"])
    assert ids[2] is not None and ids[5] is not None and ids[2] != ids[5]
    for incident_id in (ids[2], ids[5]):
        summary = (await client.get(f"/v1/incidents/{incident_id}/summary",
                                    headers=auth)).json()
        assert summary["detection_window_s"] <= 60, summary
    assert await pool.fetchval("SELECT count(*) FROM incidents") == 2
