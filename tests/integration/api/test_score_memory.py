"""What the scoring path keeps in memory stays correct: revoked keys, new logins, freshness.

The score route recognises known keys from memory, remembers each account's last logins
and each destination's first use; these tests change the database behind its back (or
through ingest) and check the next answer follows at once.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import asyncpg
import httpx

from hafeniq_chain.api.keys import create_api_key

T0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
BERLIN, SINGAPORE = (52.52, 13.405), (1.3521, 103.8198)


def _request(rid: str, account: str, at: datetime, where: tuple[float, float] | None = None,
             destination: str = "0x" + "ab" * 20) -> dict[str, object]:
    body: dict[str, object] = {"request_id": rid, "account_id": account,
                               "destination": destination, "asset": "USDT", "amount": "250",
                               "occurred_at": at.isoformat()}
    if where is not None:
        body["lat"], body["lon"] = where
    return body


async def test_revoked_key_is_refused_at_once_and_nothing_is_stored(
        client: httpx.AsyncClient, pool: asyncpg.Pool) -> None:
    key = await create_api_key(pool, "acme", ["withdrawals:score"])
    headers = {"Authorization": f"Bearer {key}"}
    first = await client.post("/v1/withdrawals/score", headers=headers,
                              json=_request("r-1", "alice", T0))
    assert first.status_code == 200, first.text
    await pool.execute("UPDATE api_keys SET revoked_at = now() WHERE key_prefix = $1",
                       "_".join(key.split("_")[:2]))
    refused = await client.post("/v1/withdrawals/score", headers=headers,
                                json=_request("r-2", "alice", T0 + timedelta(seconds=5)))
    assert refused.status_code == 401 and "revoked" in refused.json()["message"]
    stored = await pool.fetchval(
        "SELECT count(*) FROM decisions WHERE subject = 'withdrawal:r-2'")
    events = await pool.fetchval(
        "SELECT count(*) FROM offchain_events WHERE event_id = 'r-2'")
    assert (stored, events) == (0, 0)
    # forgotten from memory too: the next try is refused by the database lookup itself
    again = await client.post("/v1/withdrawals/score", headers=headers,
                              json=_request("r-3", "alice", T0 + timedelta(seconds=9)))
    assert again.status_code == 401


async def test_scope_removed_behind_the_cache_is_refused(
        client: httpx.AsyncClient, pool: asyncpg.Pool) -> None:
    key = await create_api_key(pool, "acme", ["withdrawals:score", "alerts:read"])
    headers = {"Authorization": f"Bearer {key}"}
    assert (await client.post("/v1/withdrawals/score", headers=headers,
                              json=_request("s-1", "bob", T0))).status_code == 200
    await pool.execute("UPDATE api_keys SET scopes = '{alerts:read}'")
    r = await client.post("/v1/withdrawals/score", headers=headers,
                          json=_request("s-2", "bob", T0 + timedelta(seconds=5)))
    assert r.status_code == 401


async def test_login_ingested_after_a_score_is_used_by_the_next_one(
        client: httpx.AsyncClient, auth: dict[str, str]) -> None:
    # no login known yet: nothing to compare with (and the empty answer is remembered)
    r = await client.post("/v1/withdrawals/score", headers=auth,
                          json=_request("t-1", "carol", T0, SINGAPORE))
    assert "IMPOSSIBLE_TRAVEL" not in r.json()["reason_codes"]
    login = {"event_id": "login-c", "kind": "login", "account_id": "carol",
             "lat": BERLIN[0], "lon": BERLIN[1], "occurred_at": (T0 + timedelta(
                 minutes=1)).isoformat()}
    assert (await client.post("/v1/events", json={"events": [login]},
                              headers=auth)).status_code == 200
    r = await client.post("/v1/withdrawals/score", headers=auth,
                          json=_request("t-2", "carol", T0 + timedelta(minutes=5), SINGAPORE))
    assert "IMPOSSIBLE_TRAVEL" in r.json()["reason_codes"], r.json()
    # a replayed request older than the remembered login is judged on the logins before it
    r = await client.post("/v1/withdrawals/score", headers=auth,
                          json=_request("t-0", "carol", T0 - timedelta(minutes=1), SINGAPORE))
    assert "IMPOSSIBLE_TRAVEL" not in r.json()["reason_codes"], r.json()
