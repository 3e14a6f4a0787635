"""Authentication, signatures, size limit and strict validation: every failure is a 4xx."""

from __future__ import annotations

import json
import time

import asyncpg
import httpx

from hafeniq_chain.api.app import create_app
from hafeniq_chain.api.keys import create_api_key
from hafeniq_chain.api.signing import sign_body
from tests.integration.api.conftest import SIGNING_SECRET, make_settings

EVENT = {"event_id": "ev-1", "kind": "login", "account_id": "u1",
         "occurred_at": "2026-01-01T10:00:00Z", "ip": "203.0.113.7", "country": "DE"}


def _signed(body: bytes, auth: dict[str, str], ts: int | None = None) -> dict[str, str]:
    ts = int(time.time()) if ts is None else ts
    return {**auth, "content-type": "application/json", "X-Hafeniq-Timestamp": str(ts),
            "X-Hafeniq-Signature": sign_body(SIGNING_SECRET, ts, body)}


async def test_missing_and_wrong_keys_get_401(client: httpx.AsyncClient, api_key: str) -> None:
    r = await client.post("/v1/events", json={"events": [EVENT]})
    assert r.status_code == 401 and "missing API key" in r.json()["message"]
    wrong = api_key[:-4] + "AAAA"
    r = await client.post("/v1/events", json={"events": [EVENT]},
                          headers={"Authorization": f"Bearer {wrong}"})
    assert r.status_code == 401 and "invalid" in r.json()["message"]
    r = await client.get("/v1/alerts", headers={"X-API-Key": "not-a-key"})
    assert r.status_code == 401


async def test_revoked_key_and_missing_scope(client: httpx.AsyncClient,
                                             pool: asyncpg.Pool) -> None:
    reader = await create_api_key(pool, "acme", ["alerts:read"])
    r = await client.post("/v1/events", json={"events": [EVENT]},
                          headers={"Authorization": f"Bearer {reader}"})
    assert r.status_code == 403 and "events:write" in r.json()["message"]
    assert (await client.get("/v1/alerts",
                             headers={"Authorization": f"Bearer {reader}"})).status_code == 200
    await pool.execute("UPDATE api_keys SET revoked_at = now()")
    r = await client.get("/v1/alerts", headers={"Authorization": f"Bearer {reader}"})
    assert r.status_code == 401


async def test_signature_good_bad_stale_and_replayed(client: httpx.AsyncClient,
                                                     auth: dict[str, str]) -> None:
    body = json.dumps({"events": [EVENT]}).encode()
    headers = _signed(body, auth)
    assert (await client.post("/v1/events", content=body, headers=headers)).status_code == 200
    replay = await client.post("/v1/events", content=body, headers=headers)
    assert replay.status_code == 401 and "replay" in replay.json()["message"]
    tampered = body.replace(b"u1", b"u2")
    r = await client.post("/v1/events", content=tampered, headers=_signed(body, auth))
    assert r.status_code == 401 and "does not match" in r.json()["message"]
    r = await client.post("/v1/events", content=body,
                          headers=_signed(body, auth, ts=int(time.time()) - 3600))
    assert r.status_code == 401 and "tolerance" in r.json()["message"]


async def test_required_signature_refuses_unsigned(pool: asyncpg.Pool,
                                                   auth: dict[str, str]) -> None:
    app = create_app(pool, make_settings(require_signature=True))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://api.test") as c:
        r = await c.post("/v1/events", json={"events": [EVENT]}, headers=auth)
    assert r.status_code == 401 and "X-Hafeniq-Signature" in r.json()["message"]


async def test_oversized_body_gets_413(client: httpx.AsyncClient, auth: dict[str, str]) -> None:
    events = [{**EVENT, "event_id": f"e{i}", "route": "/x" * 100} for i in range(400)]
    r = await client.post("/v1/events", json={"events": events}, headers=auth)
    assert r.status_code == 413 and "exceeds" in r.json()["message"]


async def test_bad_input_names_the_field(client: httpx.AsyncClient,
                                         auth: dict[str, str]) -> None:
    cases = [
        ({"events": [{**EVENT, "occurred_at": "yesterday"}]}, "events.0.occurred_at"),
        ({"events": [{**EVENT, "amount": "lots"}]}, "events.0.amount"),
        ({"events": [{**EVENT, "surprise": 1}]}, "events.0.surprise"),
        ({"events": [{**EVENT, "kind": "teleport"}]}, "events.0.kind"),
        ({"events": [{**EVENT, "destination": "0x12"}]}, "events.0.destination"),
        ({"events": []}, "events"),
        ({"events": [EVENT], "extra": True}, "extra"),
    ]
    for body, field in cases:
        r = await client.post("/v1/events", json=body, headers=auth)
        assert r.status_code == 422, (field, r.text)
        assert field in r.json()["message"], (field, r.json())
    r = await client.post("/v1/events", content=b"{not json",
                          headers={**auth, "content-type": "application/json"})
    assert r.status_code == 400 and r.json()["error"] == "invalid_json"
    r = await client.post("/v1/withdrawals/score", json={"request_id": "r"}, headers=auth)
    assert r.status_code == 422 and "account_id" in r.json()["message"]
