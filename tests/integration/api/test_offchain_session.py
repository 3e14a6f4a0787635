"""Session analysis (seed 003): route Markov chain, fingerprint drift, impossible travel."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from hafeniq_chain.offchain.markov import RouteModel
from hafeniq_chain.offchain.session import peak_per_minute
from hafeniq_chain.offchain.travel import GeoPoint, haversine_km, is_impossible

T0 = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)
BERLIN, SINGAPORE, POTSDAM = (52.52, 13.405), (1.3521, 103.8198), (52.39, 13.06)
NORMAL = ["/login", "/dashboard", "/checkout", "/confirm", "/wallet", "/withdraw"]


def test_haversine_and_travel_speed() -> None:
    b, s = GeoPoint(*BERLIN, T0), GeoPoint(*SINGAPORE, T0 + timedelta(minutes=10))
    assert haversine_km(b, s) == pytest.approx(9_890, rel=0.01)
    assert is_impossible(b, s)
    assert not is_impossible(b, GeoPoint(*SINGAPORE, T0 + timedelta(hours=14)))
    assert not is_impossible(b, GeoPoint(*POTSDAM, T0 + timedelta(seconds=30)))


def test_markov_impossible_transitions_and_stationary() -> None:
    model = RouteModel.learn([NORMAL] * 30)
    assert model.probability("/checkout", "/confirm") == 1.0
    assert model.impossible_transitions(["/login", "/dashboard", "/checkout", "/registration"]
                                        ) == [("/checkout", "/registration")]
    assert model.probability("/unknown", "/login") is None
    assert sum(model.stationary().values()) == pytest.approx(1.0)
    times = [T0 + timedelta(seconds=i) for i in range(25)]
    assert peak_per_minute(times) == 25


def _session(sid: str, account: str, routes: list[str], start: datetime, ua: str
             ) -> list[dict[str, object]]:
    return [{"event_id": f"{sid}-{i}", "kind": "api_request", "account_id": account,
             "session_id": sid, "route": route, "user_agent_hash": ua,
             "occurred_at": (start + timedelta(seconds=20 * i)).isoformat()}
            for i, route in enumerate(routes)]


async def test_hijacked_session_raises_the_score(client: httpx.AsyncClient,
                                                 auth: dict[str, str]) -> None:
    events: list[dict[str, object]] = []
    for n in range(30):
        events += _session(f"n{n}", f"user{n}", NORMAL, T0 - timedelta(days=2, hours=n), "ua-1")
    events.append({"event_id": "login-m", "kind": "login", "account_id": "mallory",
                   "lat": BERLIN[0], "lon": BERLIN[1], "occurred_at": T0.isoformat()})
    events += _session("hijack", "mallory", ["/login", "/checkout", "/registration"],
                       T0 + timedelta(minutes=5), "ua-1")
    events += _session("bob-s", "bob", NORMAL[:5], T0 + timedelta(minutes=5), "ua-2")
    r = await client.post("/v1/events", json={"events": events}, headers=auth)
    assert r.status_code == 200, r.text

    def request(rid: str, account: str, session: str, ua: str, where: tuple[float, float]
                ) -> dict[str, object]:
        return {"request_id": rid, "account_id": account, "destination": "0x" + "77" * 20,
                "asset": "USDT", "amount": "500", "session_id": session,
                "user_agent_hash": ua, "lat": where[0], "lon": where[1],
                "occurred_at": (T0 + timedelta(minutes=10)).isoformat()}

    hijacked = (await client.post("/v1/withdrawals/score", headers=auth, json=request(
        "w-m", "mallory", "hijack", "ua-9", SINGAPORE))).json()
    assert {"IMPOSSIBLE_TRAVEL", "IMPOSSIBLE_ROUTE_TRANSITION", "FINGERPRINT_DRIFT"} <= set(
        hijacked["reason_codes"]), hijacked
    assert hijacked["action"] != "APPROVED"
    normal = (await client.post("/v1/withdrawals/score", headers=auth, json=request(
        "w-b", "bob", "bob-s", "ua-2", BERLIN))).json()
    assert not {"IMPOSSIBLE_TRAVEL", "IMPOSSIBLE_ROUTE_TRANSITION", "FINGERPRINT_DRIFT"} & set(
        normal["reason_codes"]), normal
