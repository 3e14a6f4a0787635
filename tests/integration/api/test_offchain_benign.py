"""Benign users replayed over 90 days through the scoring API: at most 0.5% not APPROVED."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import httpx

from hafeniq_chain.offchain.synthetic import benign_withdrawals, make_population

REPLAY_START = datetime(2026, 6, 1, tzinfo=UTC)


async def test_benign_replay_false_positive_rate(client: httpx.AsyncClient,
                                                 auth: dict[str, str]) -> None:
    accounts = make_population(25, seed=21)
    history = benign_withdrawals(accounts, REPLAY_START - timedelta(days=120), 120, seed=22)
    for i in range(0, len(history), 200):
        r = await client.post("/v1/events", json={"events": history[i:i + 200]}, headers=auth)
        assert r.status_code == 200
    replay = benign_withdrawals(accounts, REPLAY_START, 90, seed=23)
    actions: Counter[str] = Counter()
    flagged = []
    for event in replay:
        body = {k: v for k, v in event.items() if k not in ("event_id", "kind")}
        r = await client.post("/v1/withdrawals/score", headers=auth,
                              json={**body, "request_id": event["event_id"]})
        result = r.json()
        actions[result["action"]] += 1
        if result["action"] != "APPROVED":
            flagged.append((result["score"], result["reason_codes"]))
    total = sum(actions.values())
    rate = 1 - actions["APPROVED"] / total
    print(f"\nbenign replay: {total} requests over 90 days, not approved {rate:.2%}"
          f" {dict(actions)} {flagged[:5]}")
    assert total > 1000
    assert rate <= 0.005
