"""API session analysis feeding the withdrawal score (seed 003).

For the session a withdrawal arrives in: impossible route transitions (Markov model of
the tenant's normal sessions), action-rate spikes, user-agent drift mid-session; for
the account: impossible travel between its last login and this request.
"""

from __future__ import annotations

import itertools
import time
from datetime import datetime, timedelta

import asyncpg
import numpy as np

from hafeniq_chain.core.finding import FeatureDelta
from hafeniq_chain.core.reasons import ReasonCode
from hafeniq_chain.offchain.markov import RouteModel
from hafeniq_chain.offchain.recent_logins import RecentLogins
from hafeniq_chain.offchain.single_flight import SingleFlight
from hafeniq_chain.offchain.travel import GeoPoint, is_impossible, travel_speed_kmh
from hafeniq_chain.offchain.types import Contribution, ScoredWithdrawal

MODEL_TTL_S = 3600.0
LEARN_DAYS = 30
# NOTE: sessions of the last hour are left out of learning so an attack in progress is
# not learnt as normal before it is judged.
LEARN_LAG = timedelta(hours=1)
TRAVEL_LOOKBACK = timedelta(hours=24)


def peak_per_minute(times: list[datetime]) -> int:
    """Most requests in any 60-second span of a session."""
    best, lo = 0, 0
    for hi, t in enumerate(times):
        while times[lo] <= t - timedelta(seconds=60):
            lo += 1
        best = max(best, hi - lo + 1)
    return best


class SessionAnalyser:
    """Per-tenant route model (cached, relearned hourly) and the per-request checks."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool
        self.logins = RecentLogins(pool)
        self._models: dict[str, tuple[RouteModel, float, float]] = {}
        self._learning = SingleFlight()

    async def _model(self, tenant: str, at: datetime) -> tuple[RouteModel, float]:
        """The tenant's route model; past ``MODEL_TTL_S`` the model in hand keeps serving
        while one background read relearns it (the read scans two weeks of sessions)."""
        cached = self._models.get(tenant)
        held = None if cached is None else (
            (cached[0], cached[1]), time.monotonic() - cached[2] >= MODEL_TTL_S)
        return await self._learning.held_or_read(tenant, held,
                                                 lambda: self._learn(tenant, at))

    async def _learn(self, tenant: str, at: datetime) -> tuple[RouteModel, float]:
        rows = await self.pool.fetch(
            "SELECT payload->>'session_id' AS s, array_agg(payload->>'route' ORDER BY"
            " occurred_at) AS routes, array_agg(occurred_at ORDER BY occurred_at) AS ts"
            " FROM offchain_events WHERE tenant = $1 AND payload ? 'session_id'"
            " AND payload ? 'route' AND occurred_at >= $2 AND occurred_at < $3"
            " GROUP BY 1 LIMIT 20000", tenant, at - timedelta(days=LEARN_DAYS), at - LEARN_LAG)
        model = RouteModel.learn(list(r["routes"]) for r in rows)
        peaks = np.array([peak_per_minute(list(r["ts"])) for r in rows] or [0])
        threshold = max(10.0, float(peaks.mean() + 3 * peaks.std()))
        self._models[tenant] = (model, threshold, time.monotonic())
        return model, threshold

    async def contributions(self, req: ScoredWithdrawal) -> list[Contribution]:
        """Session and travel signals; a request outside any session is checked from memory."""
        out = await self._travel(req)
        session = req.context.get("session_id")
        if not session:
            return out
        rows = await self.pool.fetch(
            "SELECT payload->>'route' AS route, payload->>'user_agent_hash' AS ua, occurred_at"
            " FROM offchain_events WHERE tenant = $1 AND payload->>'session_id' = $2"
            " AND payload ? 'session_id' AND occurred_at <= $3 AND event_id <> $4"
            " ORDER BY occurred_at LIMIT 1000", req.tenant, session, req.occurred_at,
            req.request_id)
        model, rate_limit = await self._model(req.tenant, req.occurred_at)
        routes = [r["route"] for r in rows if r["route"]]
        bad = model.impossible_transitions(routes)
        if bad:
            a, b = bad[-1]
            out.append(Contribution(ReasonCode.IMPOSSIBLE_ROUTE_TRANSITION, 200, FeatureDelta(
                "transition_probability", None, 0.0,
                f"{a} -> {b} never happens in normal sessions ({len(bad)} such steps)")))
        agents = {r["ua"] for r in rows if r["ua"]} | (
            {req.context["user_agent_hash"]} if req.context.get("user_agent_hash") else set())
        if len(agents) > 1:
            out.append(Contribution(ReasonCode.FINGERPRINT_DRIFT, 250, FeatureDelta(
                "user_agents_in_session", 1, len(agents), "user agent changed mid-session")))
        peak = peak_per_minute([r["occurred_at"] for r in rows] + [req.occurred_at])
        if peak > rate_limit:
            out.append(Contribution(ReasonCode.ACTION_RATE_SPIKE, 150, FeatureDelta(
                "requests_per_minute", round(rate_limit, 1), peak,
                f"{peak} requests in one minute (normal peak under {rate_limit:.0f})")))
        return out

    async def _travel(self, req: ScoredWithdrawal) -> list[Contribution]:
        """An impossible hop from the account's last known place to any login of the last
        ``TRAVEL_LOOKBACK`` or to this request. Why not just the last two points: an
        attacker's login and request are both in one place; the hop that gives the
        attacker away is from the account's own last login to the attacker's."""
        points = [*await self.logins.before(req.tenant, req.account_id, req.occurred_at)]
        if req.context.get("lat") is not None and req.context.get("lon") is not None:
            points.append(GeoPoint(req.context["lat"], req.context["lon"], req.occurred_at))
        recent = req.occurred_at - TRAVEL_LOOKBACK
        hops = [(a, b) for a, b in itertools.pairwise(points)
                if b.at >= recent and is_impossible(a, b)]
        if not hops:
            return []
        speed = travel_speed_kmh(*hops[-1]) or 0.0
        return [Contribution(ReasonCode.IMPOSSIBLE_TRAVEL, 300, FeatureDelta(
            "travel_speed_kmh", 900.0, round(speed),
            f"{speed:,.0f} km/h from the account's last known place"))]
