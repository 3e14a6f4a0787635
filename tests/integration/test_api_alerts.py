"""Alerts API with real API keys on a real PostgreSQL: auth, feedback, calibration."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest

from hafeniq_chain.api.app import create_app
from hafeniq_chain.api.keys import create_api_key
from hafeniq_chain.config import load_settings
from hafeniq_chain.core.finding import ConfidenceBand, Finding, Severity
from hafeniq_chain.core.policy import Policy
from hafeniq_chain.core.reasons import ReasonCode
from hafeniq_chain.fuse.calibration import detector_weights
from hafeniq_chain.fuse.engine import IncidentEngine

pytestmark = pytest.mark.integration


@pytest.fixture
async def client(pool: asyncpg.Pool) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(pool, load_settings(None)))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


async def _alert(pool: asyncpg.Pool, detector: str, i: int) -> int:
    (d,) = await IncidentEngine(pool, Policy(), ["webhook"], weights={}).process([Finding(
        detector, "1", "k", 0.9, ConfidenceBand(0.8, 0.95), Severity.HIGH,
        (ReasonCode.FLASH_BURST,), f"alert {i}", f"{detector}{i}", entities=(f"0x{i}",))])
    assert d.alert_id is not None
    return d.alert_id


async def test_auth_scopes_and_validation(pool: asyncpg.Pool, client: httpx.AsyncClient) -> None:
    reader = await create_api_key(pool, "acme", ["alerts:read"])
    writer = await create_api_key(pool, "acme", ["alerts:read", "alerts:feedback"])
    alert_id = await _alert(pool, "drift", 1)
    assert (await client.get("/v1/alerts")).status_code == 401
    bad = await client.get("/v1/alerts", headers={"X-API-Key": reader[:-2] + "xx"})
    assert bad.status_code == 401 and "invalid" in bad.json()["message"]
    listed = await client.get("/v1/alerts", headers={"X-API-Key": reader})
    assert listed.status_code == 200 and listed.json()["alerts"][0]["id"] == alert_id
    url = f"/v1/alerts/{alert_id}/feedback"
    denied = await client.post(url, json={"verdict": "true_positive"},
                               headers={"X-API-Key": reader})
    assert denied.status_code == 403 and "alerts:feedback" in denied.json()["message"]
    wrong = await client.post(url, json={"verdict": "maybe"}, headers={"X-API-Key": writer})
    assert wrong.status_code == 422 and "verdict" in str(wrong.json())
    extra = await client.post(url, json={"verdict": "true_positive", "who": 1},
                              headers={"X-API-Key": writer})
    assert extra.status_code == 422 and "who" in str(extra.json())
    missing = await client.post("/v1/alerts/999999/feedback", json={"verdict": "false_positive"},
                                headers={"X-API-Key": writer})
    assert missing.status_code == 404


async def test_feedback_moves_detector_weights(pool: asyncpg.Pool,
                                               client: httpx.AsyncClient) -> None:
    key = await create_api_key(pool, "acme", ["alerts:feedback"])
    for i in range(6):
        good, noisy = await _alert(pool, "sandwich", i), await _alert(pool, "drift", 100 + i)
        for alert_id, verdict in ((good, "true_positive"), (noisy, "false_positive")):
            r = await client.post(f"/v1/alerts/{alert_id}/feedback",
                                  json={"verdict": verdict, "note": "checked"},
                                  headers={"X-API-Key": key})
            assert r.status_code == 201
    calibration = r.json()["calibration"]
    assert calibration["sandwich"]["precision"] > 0.7 > 0.3 > calibration["drift"]["precision"]
    assert calibration["drift"]["brier"] > calibration["sandwich"]["brier"]
    weights = await detector_weights(pool)
    assert weights["sandwich"] > 1.0 > weights["drift"] >= 0.25
    metrics = (await client.get("/metrics")).text
    assert 'hafeniq_detector_precision{detector="drift"}' in metrics
