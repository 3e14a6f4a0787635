"""Two `serve` processes scoring one tenant behind a round-robin client make the decisions
one process makes on the same requests (the seed-001 convergence story: history, ordinary
requests, then 11 accounts converging on 2 fresh addresses); then the owner is killed (-9)
and the other process takes the tenant over and keeps blocking the wave."""

from __future__ import annotations

import asyncio
import os
import random
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from hafeniq_chain.api.keys import create_api_key
from hafeniq_chain.chain.anvil import free_port
from hafeniq_chain.offchain.synthetic import benign_withdrawals, make_population, random_address
from hafeniq_chain.store.database import create_pool
from hafeniq_chain.store.migrator import migrate
from tests.conftest import fresh_database

pytestmark = pytest.mark.e2e
REPO = Path(__file__).resolve().parents[2]
ATTACK_AT = datetime(2026, 3, 10, 16, 51, 24, tzinfo=UTC)


def _requests() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(history events, score requests): ordinary requests, then the converging wave."""
    accounts = make_population(24, seed=11)
    start = (ATTACK_AT - timedelta(days=120)).replace(hour=0, minute=0, second=0)
    history = benign_withdrawals(accounts, start, 119, seed=12)
    scores = []
    for acc in accounts[:8]:
        at = ATTACK_AT.replace(hour=int(acc.hour_mean), minute=5) - timedelta(days=1)
        scores.append({"request_id": f"ok-{acc.account_id}", "account_id": acc.account_id,
                       "destination": acc.destinations[0], "asset": "USDT",
                       "amount": "%.2f" % (2.718281828 ** acc.amount_log_mean),
                       "occurred_at": at.isoformat()})
    rng = random.Random(13)
    fresh = [random_address(rng), random_address(rng)]
    for i in range(24):
        acc = accounts[i % 11]
        scores.append({"request_id": f"atk-{i:03d}", "account_id": acc.account_id,
                       "destination": fresh[i % 2], "asset": "USDT",
                       "amount": f"{rng.uniform(820, 940):.2f}",
                       "api_key_fingerprint": f"key-{i % 11}",
                       "occurred_at": (ATTACK_AT + timedelta(seconds=4.5 * i)).isoformat()})
    return history, scores


class Serve:
    def __init__(self, dsn: str, replicas: bool, logs: Path, name: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "hafeniq_chain", "--dsn", dsn, "serve", "--listen",
             f"127.0.0.1:{self.port}"], cwd=REPO, stdout=subprocess.DEVNULL,
            stderr=(logs / f"{name}.log").open("wb"),
            env={**os.environ, "HAFENIQ_PRIVACY__PSEUDONYM_KEY": "replica-pseudonym-key",
                 "HAFENIQ_API__SCORING_REPLICAS": "true" if replicas else "false",
                 # the story is dated March 2026: keep its history inside the retention
                 "HAFENIQ_STORE__RAW_EVENT_RETENTION_DAYS": "3650"})

    async def ready(self) -> None:
        async with httpx.AsyncClient() as client:
            for _ in range(600):
                try:
                    if (await client.get(f"{self.url}/healthz")).status_code == 200:
                        return
                except httpx.TransportError:
                    await asyncio.sleep(0.1)
        raise AssertionError("serve did not start")

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


@pytest.fixture
def serves() -> Iterator[list[Serve]]:
    started: list[Serve] = []
    yield started
    for s in started:
        s.kill()


@pytest.fixture
async def second_dsn(pg_server: str) -> AsyncIterator[str]:
    async with fresh_database(pg_server) as dsn:
        yield dsn


async def _key(dsn: str) -> str:
    pool = await create_pool(dsn, max_size=2)
    try:
        await migrate(pool)
        return await create_api_key(pool, "acme", ["*"])
    finally:
        await pool.close()


async def _run(urls: list[str], key: str, history: list[dict[str, Any]],
               scores: list[dict[str, Any]]) -> list[tuple[str, str, int]]:
    """History through the first URL, then every score request round-robin over ``urls``."""
    auth = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(timeout=30) as client:
        for i in range(0, len(history), 500):
            r = await client.post(f"{urls[0]}/v1/events", headers=auth,
                                  json={"events": history[i:i + 500]})
            assert r.status_code == 200, r.text
        out = []
        for i, body in enumerate(scores):
            r = await client.post(f"{urls[i % len(urls)]}/v1/withdrawals/score", headers=auth,
                                  json=body)
            assert r.status_code == 200, r.text
            answer = r.json()
            out.append((answer["action"], answer["platform_state"], answer["score"]))
    return out


async def test_two_serve_processes_decide_like_one(
        empty_dsn: str, second_dsn: str, tmp_path: Path, serves: list[Serve]) -> None:
    history, scores = _requests()
    one_key, two_key = await _key(empty_dsn), await _key(second_dsn)
    serves.append(Serve(empty_dsn, False, tmp_path, "single"))
    serves += [Serve(second_dsn, True, tmp_path, f"replica{i}") for i in range(2)]
    for s in serves:
        await s.ready()

    single = await _run([serves[0].url], one_key, history, scores)
    replicas = await _run([serves[1].url, serves[2].url], two_key, history, scores)
    actions = [a for a, _, _ in single]
    print(f"\nsingle: {actions}")
    assert actions.count("BLOCKED") >= 10 and actions[:8] == ["APPROVED"] * 8  # meaningful
    assert replicas == single

    conn = await asyncpg.connect(second_dsn)
    try:
        owner = await conn.fetchval("SELECT url FROM tenant_owners WHERE tenant = 'acme'")
        victim = next(s for s in serves[1:] if s.url == owner)
        survivor = next(s for s in serves[1:] if s is not victim)
        victim.kill()
        more = [dict(b, request_id=f"late-{b['request_id']}",
                     occurred_at=(ATTACK_AT + timedelta(seconds=120 + i)).isoformat())
                for i, b in enumerate(scores[-4:])]
        after = await _run([survivor.url], two_key, [], more)
        assert await conn.fetchval(
            "SELECT url FROM tenant_owners WHERE tenant = 'acme'") == survivor.url
    finally:
        await conn.close()
    assert [a for a, _, _ in after] == ["BLOCKED"] * 4
