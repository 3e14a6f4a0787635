"""One account taken over (no convergence): its own history judges device, network,
place, destination age and amount; a stolen personal API key is judged by its own
normal. Near misses from the same account are approved."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

pytestmark = pytest.mark.integration
NOW = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=2)
KNOWN, FRESH = "0x" + "0d" * 20, "0x" + "f1" * 20
HOME = {"ip": "10.0.0.1", "asn": 3320, "user_agent_hash": "ua-home"}


def _history() -> list[dict]:
    events = []
    for day in range(30, 0, -1):
        at = NOW - timedelta(days=day)
        for account, key in (("victim", "key-v"), ("other", "key-o")):
            events.append({"event_id": f"l-{account}-{day}", "kind": "login",
                           "account_id": account, "occurred_at": (at - timedelta(
                               minutes=5)).isoformat(), "country": "DE", "lat": 52.5,
                           "lon": 13.4, **HOME})
            events.append({"event_id": f"w-{account}-{day}", "kind": "withdrawal_request",
                           "account_id": account, "occurred_at": at.isoformat(),
                           "destination": KNOWN, "asset": "USDT",
                           "amount": f"{480 + day % 7 * 10}", "api_key_fingerprint": key,
                           **HOME})
    events.append({"event_id": "l-victim-today", "kind": "login", "account_id": "victim",
                   "occurred_at": (NOW - timedelta(hours=2)).isoformat(), "country": "DE",
                   "lat": 52.5, "lon": 13.4, **HOME})
    return events


async def _score(client: httpx.AsyncClient, auth: dict[str, str], **body: object) -> dict:
    r = await client.post("/v1/withdrawals/score", headers=auth, json={
        "asset": "USDT", "occurred_at": NOW.isoformat(), **body})
    assert r.status_code == 200, r.text
    return r.json()


async def test_single_account_takeover_is_held(client: httpx.AsyncClient,
                                               auth: dict[str, str]) -> None:
    r = await client.post("/v1/events", headers=auth, json={"events": _history()})
    assert r.json()["accepted"] == 121
    attacker = {"ip": "203.0.113.50", "asn": 64999, "user_agent_hash": "ua-evil"}
    r = await client.post("/v1/events", headers=auth, json={"events": [
        {"event_id": "l-attacker", "kind": "login", "account_id": "victim",
         "occurred_at": (NOW - timedelta(minutes=12)).isoformat(), "country": "BR",
         "lat": -23.5, "lon": -46.6, **attacker},
        {"event_id": "add-1", "kind": "address_added", "account_id": "victim",
         "occurred_at": (NOW - timedelta(minutes=4)).isoformat(), "destination": FRESH}]})
    assert r.status_code == 200
    # near miss first: the owner at home, usual amount, known address
    own = await _score(client, auth, request_id="own-1", account_id="victim",
                       destination=KNOWN, amount="500", **HOME,
                       occurred_at=(NOW - timedelta(hours=1, minutes=50)).isoformat())
    assert own["action"] == "APPROVED" and not {"NEW_DEVICE", "NEW_NETWORK"} & set(
        own["reason_codes"]), own
    # the takeover: no place on the request, 6x the usual amount, fresh address
    stolen = await _score(client, auth, request_id="ato-1", account_id="victim",
                          destination=FRESH, amount="3000", **attacker)
    assert stolen["action"] in ("HOLD", "BLOCKED"), stolen
    codes = set(stolen["reason_codes"])
    assert {"NEW_DEVICE", "NEW_NETWORK", "IMPOSSIBLE_TRAVEL", "DESTINATION_JUST_ADDED",
            "AMOUNT_ABOVE_FORECAST", "MULTIPLE_ANOMALIES"} <= codes, codes
    amount = next(x for x in stolen["reasons"] if x["code"] == "AMOUNT_ABOVE_FORECAST")
    assert amount["points"] > 250 and amount["observed"] > 5
    assert stolen["platform_state"] == "NORMAL" and stolen["freeze_accounts"] == []
    # a new phone at home stays a single anomaly: approved
    phone = await _score(client, auth, request_id="own-2", account_id="other",
                         destination=KNOWN, amount="490", ip="10.0.0.1", asn=3320,
                         user_agent_hash="ua-new-phone")
    assert phone["action"] == "APPROVED" and "NEW_DEVICE" in phone["reason_codes"], phone


async def test_a_personal_key_acting_for_another_account(client: httpx.AsyncClient,
                                                         auth: dict[str, str]) -> None:
    r = await client.post("/v1/events", headers=auth, json={"events": _history()})
    assert r.status_code == 200
    usual = await _score(client, auth, request_id="k-0", account_id="victim",
                         destination=KNOWN, amount="500", api_key_fingerprint="key-v", **HOME)
    assert not {"KEY_NEW_ACCOUNT", "KEY_NEW_NETWORK"} & set(usual["reason_codes"]), usual
    stolen = await _score(client, auth, request_id="k-1", account_id="other",
                          destination=KNOWN, amount="500", api_key_fingerprint="key-v",
                          ip="198.51.100.7", asn=64500)
    assert {"KEY_NEW_ACCOUNT", "KEY_NEW_NETWORK"} <= set(stolen["reason_codes"]), stolen
