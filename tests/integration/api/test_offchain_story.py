"""The seed-001 story end to end: real API, real Postgres.

Accounts with 214 days of ordinary history are approved; then 11 of them send 20
withdrawal requests within 90 s converging on 2 fresh addresses.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from hafeniq_chain.alert.channels import WebhookChannel
from hafeniq_chain.alert.outbox import OutboxLoop
from hafeniq_chain.alert.receiver import WebhookReceiver
from hafeniq_chain.api.app import create_app
from hafeniq_chain.api.pseudonym import Pseudonymiser
from hafeniq_chain.chain.anvil import free_port
from hafeniq_chain.config import Settings
from hafeniq_chain.offchain.synthetic import benign_withdrawals, make_population, random_address
from tests.integration.api.conftest import PSEUDONYM_KEY

ATTACK_AT = datetime(2026, 3, 10, 16, 51, 24, tzinfo=UTC)
HOOK_SECRET = "story-webhook-secret"


@pytest.fixture
def app(pool: asyncpg.Pool, settings: Settings) -> FastAPI:
    """The API announcing incidents on a webhook channel, as the daemon configures it."""
    return create_app(pool, settings, alert_channels=["webhook"])


async def _ingest(client: httpx.AsyncClient, auth: dict[str, str], events: list[dict]) -> None:
    for i in range(0, len(events), 200):
        r = await client.post("/v1/events", json={"events": events[i:i + 200]}, headers=auth)
        assert r.status_code == 200, r.text


async def test_coordinated_attack_is_blocked_and_summarised(
        client: httpx.AsyncClient, auth: dict[str, str], pool: asyncpg.Pool) -> None:
    accounts = make_population(40, seed=11)
    history_start = ATTACK_AT - timedelta(days=214)
    await _ingest(client, auth, benign_withdrawals(accounts, history_start.replace(
        hour=0, minute=0, second=0), 213, seed=12))

    # Ordinary requests earlier that day, in each account's habits: approved.
    for acc in accounts[:10]:
        at = ATTACK_AT.replace(hour=int(acc.hour_mean), minute=5) - timedelta(days=1)
        r = await client.post("/v1/withdrawals/score", headers=auth, json={
            "request_id": f"ok-{acc.account_id}", "account_id": acc.account_id,
            "destination": acc.destinations[0], "asset": "USDT",
            "amount": "%.2f" % (2.718281828 ** acc.amount_log_mean),
            "occurred_at": at.isoformat()})
        body = r.json()
        assert body["action"] == "APPROVED" and body["platform_state"] == "NORMAL", body

    rng = random.Random(13)
    attacked = accounts[:11]
    fresh = [random_address(rng), random_address(rng)]
    results, amounts = [], []
    for i in range(20):
        acc = attacked[i % 11]
        amounts.append(Decimal(f"{rng.uniform(820, 940):.2f}"))
        r = await client.post("/v1/withdrawals/score", headers=auth, json={
            "request_id": f"atk-{i:03d}", "account_id": acc.account_id,
            "destination": fresh[i % 2], "asset": "USDT",
            "amount": str(amounts[-1]), "api_key_fingerprint": f"key-{i % 11}",
            "occurred_at": (ATTACK_AT + timedelta(seconds=4.5 * i)).isoformat()})
        assert r.status_code == 200, r.text
        results.append(r.json())

    actions = [r["action"] for r in results]
    blocked = actions.count("BLOCKED")
    print(f"\nattack: blocked {blocked}/20, actions {actions}")
    assert blocked >= 17
    states = [r["platform_state"] for r in results]
    assert states[0] == "NORMAL"
    first_elevated = states.index("ELEVATED")
    assert "CRITICAL" in states[first_elevated:]
    assert states[-1] == "CRITICAL"
    pseudo = Pseudonymiser(True, PSEUDONYM_KEY.encode())
    expected_freeze = {pseudo.apply(a.account_id) for a in attacked}
    assert set(results[-1]["freeze_accounts"]) == expected_freeze
    log = "\n".join(results[-1]["screening_log"])
    assert "addr_convergence_confirmed" in log and "freeze_accounts count:11" in log
    assert "ADDRESS_CONVERGENCE" in results[-1]["reason_codes"]

    incident_id = results[-1]["incident_id"]
    r = await client.get(f"/v1/incidents/{incident_id}/summary", headers=auth)
    summary = r.json()
    print(summary["text"])
    amount_blocked = sum((a for a, act in zip(amounts, actions, strict=True)
                          if act == "BLOCKED"), Decimal(0))
    assert summary["accounts_frozen"] == 11
    assert summary["requests_total"] == 20
    assert summary["requests_blocked"] == blocked
    assert summary["convergences_confirmed"] == 2
    assert summary["detection_window_s"] <= 90
    assert "accounts frozen 11" in summary["text"]
    assert f"requests blocked {blocked} / 20" in summary["text"]
    assert Decimal(summary["amount_protected"]["USDT"]) == amount_blocked
    assert "API key rotation required." in summary["recommended_actions"]

    # The security team hears of it at once: a signed alert naming the accounts to freeze.
    receiver = WebhookReceiver(HOOK_SECRET, free_port())
    await receiver.start()
    try:
        await OutboxLoop(pool, {"webhook": WebhookChannel(receiver.url, HOOK_SECRET)}
                         ).run_once()
    finally:
        await receiver.stop()
    payloads = list(receiver.received.values())
    assert [p["kind"] for p in payloads].count("alert") == 1
    assert {p["incident"]["id"] for p in payloads} == {incident_id}
    named = [set(p["offchain"]["freeze_accounts"]) for p in payloads]
    print("alerts named", [len(n) for n in named], "accounts to freeze")
    assert set().union(*named) <= expected_freeze and len(named[-1]) >= 8
    assert len(payloads) <= 6, "one message per request is noise"
    assert sorted(payloads[-1]["offchain"]["destinations"]) == sorted(fresh)
    assert "ADDRESS_CONVERGENCE" in payloads[-1]["incident"]["reason_codes"]
