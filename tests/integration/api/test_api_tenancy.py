"""Two tenants on one API: every route is tried with tenant B's key and tenant A's ids.

A's coordinated attack opens an incident and an alert; B must not read them, judge them,
summarise them, see A's history of an address, retrain A's forecasts, or collide with
A's request and event ids (B reusing A's request id is scored and stored for B).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from hafeniq_chain.api.app import create_app
from hafeniq_chain.api.keys import create_api_key
from hafeniq_chain.config import Settings

pytestmark = pytest.mark.integration
FRESH = "0x" + "ab" * 20
AT = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)


@pytest.fixture
def app(pool: asyncpg.Pool, settings: Settings) -> FastAPI:
    return create_app(pool, settings, alert_channels=["webhook"])


def _request(rid: str, account: str, seconds: int, amount: str = "900") -> dict[str, str]:
    return {"request_id": rid, "account_id": account, "destination": FRESH, "asset": "USDT",
            "amount": amount, "occurred_at": (AT + timedelta(seconds=seconds)).isoformat()}


async def _attack(client: httpx.AsyncClient, auth: dict[str, str]) -> list[dict]:
    out = []
    for i, account in enumerate(["a1", "a2", "a3"]):
        r = await client.post("/v1/withdrawals/score", headers=auth,
                              json=_request(f"req-{i}", account, 20 * i))
        assert r.status_code == 200, r.text
        out.append(r.json())
    return out


async def test_tenant_b_cannot_reach_tenant_a(client: httpx.AsyncClient, pool: asyncpg.Pool,
                                              app: FastAPI) -> None:
    a = {"Authorization": f"Bearer {await create_api_key(pool, 'tenant-a', ['*'])}"}
    b = {"Authorization": f"Bearer {await create_api_key(pool, 'tenant-b', ['*'])}"}
    r = await client.post("/v1/events", headers=a, json={"events": [
        {"event_id": "ev-1", "kind": "login", "account_id": "a1",
         "occurred_at": AT.isoformat(), "country": "DE"}]})
    assert r.json() == {"accepted": 1, "duplicates": 0}
    attack = await _attack(client, a)
    incident_id = attack[-1]["incident_id"]
    assert incident_id is not None and attack[-1]["action"] == "BLOCKED"
    a_alerts = (await client.get("/v1/alerts", headers=a)).json()["alerts"]
    assert a_alerts and a_alerts[0]["incident_id"] == incident_id

    # Reads: nothing of A's.
    assert (await client.get("/v1/alerts", headers=b)).json()["alerts"] == []
    r = await client.post(f"/v1/alerts/{a_alerts[0]['id']}/feedback", headers=b,
                          json={"verdict": "false_positive"})
    assert r.status_code == 404
    assert await pool.fetchval("SELECT count(*) FROM alert_feedback") == 0
    r = await client.get(f"/v1/incidents/{incident_id}/summary", headers=b)
    assert r.status_code == 404
    entity = (await client.get(f"/v1/entities/{FRESH}", headers=b)).json()
    assert entity["withdrawals"]["requests"] == 0
    assert (await client.get(f"/v1/entities/{FRESH}", headers=a)).json()[
        "withdrawals"]["requests"] == 3

    # Retrain: B's covers only B's accounts (none); A's scopes are not touched.
    r = await client.post("/v1/forecast/retrain", headers=b)
    assert r.status_code == 200 and r.json()["scopes"] == 0
    assert await pool.fetchval("SELECT count(*) FROM baselines") == 0

    # Ids: A's event id and request id are B's own to use.
    r = await client.post("/v1/events", headers=b, json={"events": [
        {"event_id": "ev-1", "kind": "login", "account_id": "b1",
         "occurred_at": AT.isoformat()}]})
    assert r.json() == {"accepted": 1, "duplicates": 0}
    r = await client.post("/v1/withdrawals/score", headers=b,
                          json={**_request("req-0", "b1", 3000, "12.5"),
                                "destination": "0x" + "cd" * 20})
    assert r.status_code == 200, r.text
    mine = r.json()
    assert not mine["duplicate"] and mine["decision_id"] != attack[0]["decision_id"]
    assert mine["platform_state"] == "NORMAL" and mine["freeze_accounts"] == []
    rows = await pool.fetch("SELECT tenant, details->>'account_id' AS account FROM decisions"
                            " WHERE subject = 'withdrawal:req-0' ORDER BY id")
    assert [r["tenant"] for r in rows] == ["tenant-a", "tenant-b"]
    assert rows[0]["account"] != rows[1]["account"]
    again = (await client.post("/v1/withdrawals/score", headers=b,
                               json={**_request("req-0", "b1", 3000, "12.5"),
                                     "destination": "0x" + "cd" * 20})).json()
    assert again["duplicate"] and again["decision_id"] == mine["decision_id"]
    # A's own retry still answers A's decision.
    retry = (await client.post("/v1/withdrawals/score", headers=a,
                               json=_request("req-0", "a1", 0))).json()
    assert retry["duplicate"] and retry["decision_id"] == attack[0]["decision_id"]


async def test_refused_request_changes_no_state(client: httpx.AsyncClient, pool: asyncpg.Pool,
                                                app: FastAPI) -> None:
    key = await create_api_key(pool, "tenant-c", ["withdrawals:score"])
    auth = {"Authorization": f"Bearer {key}"}
    r = await client.post("/v1/withdrawals/score", headers=auth, json=_request("c-0", "c1", 0))
    assert r.status_code == 200
    engine = app.state.hafeniq.engine
    window = engine.live.windows["tenant-c"]
    before = (window.total, dict(window.accounts))
    await pool.execute("UPDATE api_keys SET revoked_at = now() WHERE tenant = 'tenant-c'")
    r = await client.post("/v1/withdrawals/score", headers=auth, json=_request("c-1", "c2", 30))
    assert r.status_code == 401
    assert (window.total, dict(window.accounts)) == before
    assert await pool.fetchval("SELECT count(*) FROM incidents") == 0
    assert await pool.fetchval(
        "SELECT count(*) FROM offchain_events WHERE tenant = 'tenant-c'") == 1


async def test_operator_tenant_owns_on_chain_alerts(pool: asyncpg.Pool) -> None:
    from tests.integration.api.conftest import make_settings

    app = create_app(pool, make_settings(operator_tenant="ops"))
    ops = {"X-API-Key": await create_api_key(pool, "ops", ["*"])}
    other = {"X-API-Key": await create_api_key(pool, "tenant-a", ["*"])}
    alert_id = await pool.fetchval("INSERT INTO alerts (severity, title, payload) VALUES"
                                   " ('high', 'on-chain', '{}') RETURNING id")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        assert [a["id"] for a in (await client.get("/v1/alerts", headers=ops)).json()[
            "alerts"]] == [alert_id]
        assert (await client.get("/v1/alerts", headers=other)).json()["alerts"] == []
        url = f"/v1/alerts/{alert_id}/feedback"
        r = await client.post(url, headers=other, json={"verdict": "false_positive"})
        assert r.status_code == 404
        r = await client.post(url, headers=ops, json={"verdict": "true_positive"})
        assert r.status_code == 201
        assert await pool.fetchval("SELECT tenant FROM alert_feedback") == "ops"
