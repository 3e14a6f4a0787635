"""Event ingest (idempotent, pseudonymised), read endpoints, real uvicorn, CLI commands."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from pathlib import Path

import asyncpg
import httpx
from fastapi import FastAPI

from hafeniq_chain.api.pseudonym import Pseudonymiser
from hafeniq_chain.api.server import build_server
from tests.integration.api.conftest import PSEUDONYM_KEY

EVENTS = [
    {"event_id": f"w-{i}", "kind": "withdrawal_request", "account_id": "alice",
     "occurred_at": f"2026-01-0{i + 1}T10:00:00+00:00", "ip": "198.51.100.4",
     "api_key_fingerprint": "kf-1", "destination": "0x" + "AB" * 20, "asset": "USDT",
     "amount": "840.66"}
    for i in range(3)
]


async def test_ingest_is_idempotent_and_pseudonymised(client: httpx.AsyncClient,
                                                      auth: dict[str, str],
                                                      pool: asyncpg.Pool) -> None:
    r = await client.post("/v1/events", json={"events": EVENTS}, headers=auth)
    assert r.json() == {"accepted": 3, "duplicates": 0}
    again = [*EVENTS[:2], {**EVENTS[0], "event_id": "w-new"}]
    r = await client.post("/v1/events", json={"events": again}, headers=auth)
    assert r.json() == {"accepted": 1, "duplicates": 2}
    rows = await pool.fetch("SELECT account_id, payload FROM offchain_events ORDER BY event_id")
    assert len(rows) == 4
    expected = Pseudonymiser(True, PSEUDONYM_KEY.encode()).apply("alice")
    assert {r["account_id"] for r in rows} == {expected}
    payload = rows[0]["payload"]
    assert payload["destination"] == "0x" + "ab" * 20 and payload["amount"] == "840.66"
    assert "198.51.100.4" not in str(payload) and "kf-1" not in str(payload)


async def test_alerts_and_entities_read_the_tables(client: httpx.AsyncClient,
                                                   auth: dict[str, str],
                                                   pool: asyncpg.Pool) -> None:
    await pool.execute("INSERT INTO alerts (severity, title, payload) VALUES"
                       " ('high', 'first', '{}'), ('critical', 'second', '{\"k\": 1}')")
    r = await client.get("/v1/alerts?limit=1", headers=auth)
    assert [a["title"] for a in r.json()["alerts"]] == ["second"]
    first_id = r.json()["alerts"][0]["id"]
    r = await client.get(f"/v1/alerts?before_id={first_id}", headers=auth)
    assert [a["title"] for a in r.json()["alerts"]] == ["first"]
    dest, funder = "0x" + "cd" * 20, "0x" + "ef" * 20
    await pool.execute("INSERT INTO entities (chain_id, address, kind, first_seen_block,"
                       " first_funder) VALUES (31337, $1, 'eoa', 100, $2)", dest, funder)
    await pool.execute("INSERT INTO address_labels VALUES (31337, $1, 'phishing', 'test')",
                       funder)
    r = await client.get(f"/v1/entities/{dest.upper().replace('0X', '0x')}", headers=auth)
    body = r.json()
    assert body["entity"]["first_funder"] == funder
    assert body["flagged_links"] == [{"address": funder, "label": "phishing"}]
    assert (await client.get("/v1/entities/0x12", headers=auth)).status_code == 422
    assert (await client.get("/openapi.json")).json()["paths"]["/v1/withdrawals/score"]


async def test_real_uvicorn_on_loopback(app: FastAPI, auth: dict[str, str]) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = build_server(app, f"127.0.0.1:{port}")
    task = asyncio.create_task(server.serve())
    try:
        for _ in range(100):
            if server.started:
                break
            await asyncio.sleep(0.05)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as c:
            assert (await c.get("/healthz")).json() == {"status": "ok"}
            r = await c.post("/v1/events", json={"events": EVENTS}, headers=auth)
            assert r.json()["accepted"] == 3
            assert (await c.post("/v1/events", json={"events": EVENTS})).status_code == 401
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 10)


async def test_apikey_create_command(empty_dsn: str, tmp_path: Path) -> None:
    cli = Path(sys.executable).parent / "hafeniq-chain"
    env = {**os.environ, "HAFENIQ_DSN": empty_dsn}
    proc = await asyncio.create_subprocess_exec(
        str(cli), "apikey", "create", "--tenant", "acme", "--scope", "events:write",
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=tmp_path)
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, err.decode()
    key = out.decode().strip().splitlines()[-1]
    assert key.startswith("hq_")
    conn = await asyncpg.connect(empty_dsn)
    try:
        row = await conn.fetchrow("SELECT tenant, scopes, key_hash FROM api_keys")
    finally:
        await conn.close()
    assert row["tenant"] == "acme" and row["scopes"] == ["events:write"]
    assert key not in row["key_hash"]
    bad = await asyncio.create_subprocess_exec(
        str(cli), "apikey", "create", "--tenant", "acme", "--scope", "root",
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=tmp_path)
    _, err = await asyncio.wait_for(bad.communicate(), 60)
    assert bad.returncode == 2 and b"unknown scope" in err
