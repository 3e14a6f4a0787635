"""Convergence over hours: a slow attack converges, the destination stays flagged across
a restart, and a later request to it from any account is held and linked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
import pytest

from hafeniq_chain.api.app import create_app
from hafeniq_chain.config import Settings

pytestmark = pytest.mark.integration
START = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=10)
FRESH = ["0x" + "a1" * 20, "0x" + "b2" * 20]


async def _score(client: httpx.AsyncClient, auth: dict[str, str], rid: str, account: str,
                 destination: str, at: datetime) -> dict:
    r = await client.post("/v1/withdrawals/score", headers=auth, json={
        "request_id": rid, "account_id": account, "destination": destination,
        "asset": "USDT", "amount": "800", "occurred_at": at.isoformat()})
    assert r.status_code == 200, r.text
    return r.json()


async def test_slow_convergence_is_remembered(client: httpx.AsyncClient, auth: dict[str, str],
                                              pool: asyncpg.Pool, settings: Settings) -> None:
    # 8 accounts, 12 requests over 40 minutes (one every 200 s: never two accounts to
    # one address inside the 600 s window), to 2 fresh addresses
    results = []
    for i in range(12):
        account, destination = f"slow-{i % 8}", FRESH[(i // 2) % 2]
        results.append(await _score(client, auth, f"s{i}", account, destination,
                                    START + timedelta(seconds=200 * i)))
    by_destination: dict[str, list[dict]] = {}
    for i, r in enumerate(results):
        by_destination.setdefault(FRESH[(i // 2) % 2], []).append(r)
    for rs in by_destination.values():
        for n, r in enumerate(rs, start=1):
            if n >= 3:  # the third request to an address comes from its third account
                assert r["action"] in ("HOLD", "BLOCKED"), r
                assert "ADDRESS_CONVERGENCE" in r["reason_codes"] \
                    or "CONVERGED_DESTINATION" in r["reason_codes"], r
    last = results[-1]
    incident_id = last["incident_id"]
    assert incident_id is not None and len(last["freeze_accounts"]) >= 3

    # Three hours later, from an account never seen, after a restart: still held, linked.
    restarted = create_app(pool, settings)
    transport = httpx.ASGITransport(app=restarted)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as fresh_client:
        later = await _score(fresh_client, auth, "late-1", "late-account", FRESH[0],
                             START + timedelta(hours=3))
    assert later["action"] == "BLOCKED", later
    assert "CONVERGED_DESTINATION" in later["reason_codes"]
    assert later["incident_id"] == incident_id
    named = set(later["freeze_accounts"])
    senders_of_0 = {f"slow-{i % 8}" for i in range(12) if (i // 2) % 2 == 0}
    pseudonyms = restarted.state.hafeniq.pseudonymiser
    assert {pseudonyms.apply(a) for a in senders_of_0 | {"late-account"}} <= named
    entities = await pool.fetchval("SELECT entities FROM incidents WHERE id = $1", incident_id)
    assert pseudonyms.apply("late-account") in entities


async def test_an_address_old_on_chain_does_not_converge_slowly(
        client: httpx.AsyncClient, auth: dict[str, str], pool: asyncpg.Pool,
        settings: Settings) -> None:
    """Near miss: three accounts over 40 minutes to an address new to the platform but
    active on chain for a month (the entity graph knows it): not a convergence."""
    known_on_chain = "0x" + "c3" * 20
    chain_id = settings.chain.chain_id
    await pool.execute("INSERT INTO chains (chain_id) VALUES ($1) ON CONFLICT DO NOTHING",
                       chain_id)
    await pool.execute("INSERT INTO blocks (chain_id, number, hash, parent_hash, timestamp)"
                       " VALUES ($1, 7, '0x07', '0x06', $2)", chain_id,
                       START - timedelta(days=30))
    await pool.execute("INSERT INTO entities (chain_id, address, first_seen_block)"
                       " VALUES ($1, $2, 7)", chain_id, known_on_chain)
    results = [await _score(client, auth, f"oc{i}", f"oc-{i}", known_on_chain,
                            START + timedelta(seconds=900 * i)) for i in range(3)]
    assert [r["action"] for r in results] == ["APPROVED"] * 3, results
    assert all("ADDRESS_CONVERGENCE" not in r["reason_codes"] for r in results)


async def test_ingested_requests_count_towards_slow_convergence(
        client: httpx.AsyncClient, auth: dict[str, str]) -> None:
    """Requests the platform reports through ingest (not scored here) join the memory."""
    target = "0x" + "e4" * 20
    first = await _score(client, auth, "in-0", "in-a", FRESH[1], START)  # loads the tenant
    assert first["action"] == "APPROVED"
    r = await client.post("/v1/events", headers=auth, json={"events": [
        {"event_id": f"in-ev-{i}", "kind": "withdrawal_request", "account_id": f"in-{i}",
         "occurred_at": (START + timedelta(minutes=20 * i)).isoformat(),
         "destination": target, "asset": "USDT", "amount": "700"} for i in (1, 2)]})
    assert r.json()["accepted"] == 2
    third = await _score(client, auth, "in-3", "in-3", target, START + timedelta(minutes=70))
    assert "ADDRESS_CONVERGENCE" in third["reason_codes"] and third["action"] != "APPROVED"
