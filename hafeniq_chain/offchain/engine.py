"""The withdrawal risk engine: account layer + platform layer + convergence + enrichment.

Each request is scored from memory (account histories and platform windows kept current,
``live_state``; last logins, ``recent_logins``) plus a few cached lookups, then stored as a
``withdrawal_request`` event (so it becomes history) with its decision and audit link in
one group commit. A request whose reads are all in memory holds no pooled connection.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import cast

import asyncpg

from hafeniq_chain.core.actions import Action
from hafeniq_chain.core.finding import FeatureDelta
from hafeniq_chain.core.forecast import AmountForecast, ForecastVerdict, check_amount
from hafeniq_chain.core.reasons import ReasonCode
from hafeniq_chain.core.settings import ForecastSettings, WithdrawalSettings
from hafeniq_chain.log import get_logger
from hafeniq_chain.offchain.account_profile import AccountProfiles
from hafeniq_chain.offchain.account_score import account_contributions, not_covered_floor
from hafeniq_chain.offchain.baseline_cache import BaselineCache
from hafeniq_chain.offchain.decision_rows import PendingDecision, check_key
from hafeniq_chain.offchain.decision_writer import DecisionWriter
from hafeniq_chain.offchain.destination_state import DestinationWatch
from hafeniq_chain.offchain.forecast_store import account_scope, load_forecast
from hafeniq_chain.offchain.history import PastWithdrawal, before, since
from hafeniq_chain.offchain.incident import record_incident
from hafeniq_chain.offchain.key_profile import KeyProfiles, key_contributions, network_of
from hafeniq_chain.offchain.link_cache import LinkCache
from hafeniq_chain.offchain.live_state import LiveState
from hafeniq_chain.offchain.platform import PlatformLayer, PlatformView
from hafeniq_chain.offchain.screening_log import screening_lines
from hafeniq_chain.offchain.session import SessionAnalyser
from hafeniq_chain.offchain.single_flight import SingleFlight
from hafeniq_chain.offchain.store import decision_details, load_decision, request_payload
from hafeniq_chain.offchain.takeover import (
    age_adjusted,
    anomaly_floor,
    takeover_contributions,
)
from hafeniq_chain.offchain.types import (
    Contribution,
    PlatformState,
    ScoredWithdrawal,
    ScoreResult,
)
from hafeniq_chain.offchain.watch_score import watch_outcome

log = get_logger(__name__)
FORECAST_CACHE_S = 60.0
LINKS_MAX_AGE_S = 10.0
MAX_STORED_IDS = 100_000


class WithdrawalRiskEngine:
    """Scores withdrawal requests; remembers each tenant's last platform state."""

    def __init__(self, pool: asyncpg.Pool, settings: WithdrawalSettings, chain_id: int,
                 forecast: ForecastSettings | None = None,
                 forecast_modes: dict[str, str] | None = None,
                 alert_channels: Sequence[str] = ()) -> None:
        """``alert_channels``: where a coordinated-withdrawal incident is announced."""
        self.pool = pool
        # NOTE: a ChannelRouter (a list) is kept as is, so its routes apply here too.
        self.alert_channels = alert_channels if isinstance(alert_channels, list) else list(
            alert_channels)
        self.settings = settings
        self.chain_id = chain_id
        self.forecast_settings = forecast or ForecastSettings()
        self.forecast_modes = forecast_modes or {}
        self.platform = PlatformLayer(settings)
        self.sessions = SessionAnalyser(pool)
        self._last_state: dict[str, PlatformState] = {}
        self.live = LiveState(pool, timedelta(seconds=settings.platform_window_s))
        self.writer = DecisionWriter(pool)
        self._forecasts: dict[str, tuple[AmountForecast | None, float]] = {}  # value, expiry
        self._forecast_reads = SingleFlight()
        self.links = LinkCache(pool, chain_id, LINKS_MAX_AGE_S)
        self.baselines = BaselineCache(settings.baseline_days)
        self._stored_ids: dict[tuple[str, str], None] = {}  # oldest first
        self.destinations = DestinationWatch(pool, settings, chain_id)
        self.profiles = AccountProfiles(pool)
        self.keys = KeyProfiles(pool)
        self.established_after = timedelta(seconds=settings.established_after_s)

    def action_for(self, score: int) -> Action:
        if score >= self.settings.block_at:
            return Action.REJECT
        return Action.QUARANTINE if score >= self.settings.hold_at else Action.ALLOW

    async def score(self, req: ScoredWithdrawal) -> ScoreResult:
        """Score, store and audit ``req``; a repeated request id returns the stored decision.

        Reads come from memory (``LiveState``) or the database; the request joins the
        account history and platform window without awaiting in between, so concurrent
        requests see each other in order; the decision is written by group commit and
        the response waits for its COMMIT.
        """
        if (req.tenant, req.request_id) in self._stored_ids:
            previous = await self._stored_decision(req)
            if previous is not None:
                return previous
        # NOTE: every read goes through the pool (only on a cache miss), never a connection
        # held across the request: the group commit's flusher needs one from the same pool.
        full = await self.live.history(req.tenant, req.account_id)
        window = await self.live.window(req.tenant, req.occurred_at)
        extra = [*await self._enrichment(req), *await self.sessions.contributions(req)]
        forecast = await self._forecast(req)
        profile = await self.profiles.get(req.tenant, req.account_id)
        fingerprint = req.context.get("api_key_fingerprint")
        signer = None if fingerprint is None else await self.keys.get(req.tenant, fingerprint)
        watched = await self.destinations.tenant(req.tenant, req.occurred_at)
        if len({*watched.accounts_within(req.destination, req.occurred_at), req.account_id}
               ) >= self.settings.slow_convergence_accounts:
            await self.destinations.look_up_first_use(req.tenant, watched, req.destination)
        # NOTE: from here to `record` there is no await: the read-then-record is atomic.
        hit = watched.flag_hit(req.destination, req.occurred_at)
        watched.record(req.account_id, req.destination, req.occurred_at)
        senders = watched.accounts_within(req.destination, req.occurred_at)
        fresh = watched.is_fresh(req.destination, req.occurred_at)
        history = before(full, req.occurred_at)
        base = self.baselines.get((req.tenant, req.account_id), history, req.occurred_at)
        parts = (account_contributions(req, base, history) + extra
                 + takeover_contributions(req, profile, self.established_after))
        if signer is not None:
            parts += key_contributions(req, signer, self.established_after)
        parts = age_adjusted(parts, req, profile)
        is_new = req.destination not in base.known_destinations
        hour_before = sum((w.amount for w in since(full, req.occurred_at - timedelta(hours=1))
                           if w.occurred_at <= req.occurred_at), Decimal(0))
        mine = PastWithdrawal(req.account_id, req.destination, req.amount, req.occurred_at,
                              is_new)
        self.live.record(req.tenant, mine)
        view = await self.platform.view(self.pool, req, window)
        parts += self._platform_contributions(req, view, is_new)
        outcome = watch_outcome(req, view, hit, senders, fresh, self.settings)
        parts += outcome.parts
        view = outcome.view
        floor = anomaly_floor(parts, self.settings.hold_at, self.settings.anomalies_to_hold)
        if floor is not None:
            parts.append(floor)
        mode = self.forecast_modes.get(req.account_id, self.forecast_settings.default_mode)
        verdict = check_amount(forecast, mode, req.amount, hour_before)
        score = min(1000, sum(c.points for c in parts))
        action = self.action_for(score)
        if verdict.rejects:
            action = Action.REJECT
            parts.append(self._forecast_contribution(verdict))
        if not base.covered and req.amount > self.settings.not_covered_max_amount:
            action, part = not_covered_floor(action, self.settings, req.amount)
            parts.append(part)
        transition = self._transition(req.tenant, view.state)
        half = round(40 + 400 / math.sqrt(base.samples + 1))
        try:
            incident_id = (await self._record_incident(req, view, score,
                                                       outcome.linked_incident)
                           if view.state is PlatformState.CRITICAL else None)
            for c in view.convergences:
                watched.flag(c.destination, req.occurred_at, incident_id, set(c.accounts))
            result = ScoreResult(
                req.request_id, score, action, max(0, score - half), min(1000, score + half),
                parts, view.state, transition, view.freeze_accounts, incident_id,
                screening_lines(req, base, view, transition, score, action),
                forecast=verdict.as_dict())
            result.decision_id = await self.writer.submit(PendingDecision(
                req, request_payload(req, is_new), score, action.value,
                sorted({str(c.code) for c in parts}), decision_details(req, result)))
        except BaseException:
            # NOTE: a refused request (revoked key, failed write, cancelled) changes no
            # state: it leaves the account history and the platform window again.
            self.live.unrecord(req.tenant, mine)
            watched.unrecord(req.account_id, req.destination, req.occurred_at)
            raise
        if verdict.anomalous and not verdict.rejects:
            log.warning("forecast.anomaly_logged", tenant=req.tenant,
                        request_id=req.request_id, **verdict.as_dict())
        self._remember_stored(req)
        profile.learn_context(req.context, req.occurred_at)
        if signer is not None:
            signer.learn(req.account_id, network_of(req.context.get("asn"),
                                                    req.context.get("ip")), req.occurred_at)
        if result.decision_id is None:
            self.live.unrecord(req.tenant, mine)
            watched.unrecord(req.account_id, req.destination, req.occurred_at)
            previous = await self._stored_decision(req)
            if previous is not None:
                return previous
        log.info("offchain.withdrawal_scored", tenant=req.tenant, request_id=req.request_id,
                 score=score, action=action.value, platform=view.state.value)
        return result

    def _remember_stored(self, req: ScoredWithdrawal) -> None:
        """Request ids stored lately: a client's retry is answered from the stored decision
        without being scored again (scoring it would only be undone at write time)."""
        self._stored_ids[(req.tenant, req.request_id)] = None
        if len(self._stored_ids) > MAX_STORED_IDS:
            del self._stored_ids[next(iter(self._stored_ids))]

    async def _stored_decision(self, req: ScoredWithdrawal) -> ScoreResult | None:
        async with self.pool.acquire() as proxy:
            return await load_decision(cast(asyncpg.Connection, proxy), req.tenant,
                                       req.request_id)

    async def _record_incident(self, req: ScoredWithdrawal, view: PlatformView, score: int,
                               linked: int | None) -> int:
        """Open or update the tenant's incident, if the caller's key still grants scoring."""
        async with self.pool.acquire() as proxy, proxy.transaction():
            conn = cast(asyncpg.Connection, proxy)
            await check_key(conn, req.key_id)
            return await record_incident(conn, req.tenant, view, score, req.occurred_at,
                                         self.alert_channels, linked)

    async def _forecast(self, req: ScoredWithdrawal) -> AmountForecast | None:
        """The account's trained forecast (seed 002).

        A retrain in this process clears the cache (``forget_forecasts``); one made by
        another process is picked up within ``FORECAST_CACHE_S``: past its (spread)
        expiry a cached forecast keeps serving while one background read replaces it, so
        forecasts read together do not all stall scoring again together.
        """
        scope = account_scope(req.tenant, req.account_id)
        cached = self._forecasts.get(scope)
        held = None if cached is None else (cached[0], time.monotonic() >= cached[1])
        return await self._forecast_reads.held_or_read(
            scope, held, lambda: self._read_forecast(scope))

    async def _read_forecast(self, scope: str) -> AmountForecast | None:
        forecast = await load_forecast(self.pool, scope)
        if len(self._forecasts) > 100_000:
            self._forecasts.clear()
        expires = time.monotonic() + FORECAST_CACHE_S * random.uniform(0.5, 1.0)
        self._forecasts[scope] = (forecast, expires)
        return forecast

    def ingested(self, tenant: str, events: Sequence[tuple[str, str]],
                 fingerprints: Sequence[str] = (),
                 withdrawals: Sequence[tuple[str, str, datetime]] = ()) -> None:
        """(kind, account) of events stored through ingest, and the API-key fingerprints
        they carry: memory of them is read again. ``withdrawals`` (account, destination,
        time) join the destination memory directly (re-reading hours of it per batch would
        stall scoring)."""
        self.live.forget(tenant, {a for kind, a in events if kind == "withdrawal_request"})
        self.destinations.ingested(tenant, withdrawals)
        self.sessions.logins.forget(tenant, {a for kind, a in events if kind == "login"})
        self.profiles.forget(tenant, {a for _, a in events})
        if fingerprints:
            self.keys.forget(tenant, set(fingerprints))

    def forget_forecasts(self) -> None:
        """Forecasts were retrained: read them again."""
        self._forecasts.clear()

    @staticmethod
    def _forecast_contribution(verdict: ForecastVerdict) -> Contribution:
        limit = verdict.forecast.tx_limit if verdict.forecast else 0.0
        if verdict.over_tx:
            return Contribution(ReasonCode.AMOUNT_ABOVE_FORECAST, 0, FeatureDelta(
                "forecast_tx_limit", limit, verdict.amount,
                f"amount above the forecast limit {limit:,.2f} (reject mode)"))
        hourly = verdict.forecast.hourly_limit if verdict.forecast else 0.0
        return Contribution(ReasonCode.VELOCITY_EXCEEDED, 0, FeatureDelta(
            "forecast_hourly_limit", hourly, verdict.hour_total,
            f"1-hour total above the forecast limit {hourly:,.2f} (reject mode)"))

    def _transition(self, tenant: str, state: PlatformState) -> str | None:
        previous = self._last_state.get(tenant, PlatformState.NORMAL)
        self._last_state[tenant] = state
        return None if previous is state else f"{previous.value}->{state.value}"

    async def _enrichment(self, req: ScoredWithdrawal) -> list[Contribution]:
        """Links of the destination to labelled addresses (``LinkCache``)."""
        links = await self.links.get(req.destination)
        return self._link_contribution(links) if links else []

    @staticmethod
    def _link_contribution(links: list[dict[str, str]]) -> list[Contribution]:
        return [Contribution(ReasonCode.LABELLED_ADDRESS, 400, FeatureDelta(
            "flagged_links", 0, len(links),
            "destination linked to " + ", ".join(f"{x['label']}" for x in links[:3])))]

    def _platform_contributions(self, req: ScoredWithdrawal, view: PlatformView,
                                is_new: bool) -> list[Contribution]:
        out: list[Contribution] = []
        converged = [c for c in view.convergences if c.destination == req.destination]
        if converged:
            c = converged[0]
            out.append(Contribution(ReasonCode.ADDRESS_CONVERGENCE, 800, FeatureDelta(
                "converging_accounts", 1, len(c.accounts),
                f"{len(c.accounts)} accounts sent to this fresh address within"
                f" {self.settings.platform_window_s}s")))
        if view.state is PlatformState.CRITICAL:
            out.append(Contribution(ReasonCode.PLATFORM_CRITICAL, 200, FeatureDelta(
                "converged_destinations", 0, len(view.convergences),
                "platform CRITICAL: cross-account address convergence")))
        elif view.state is PlatformState.ELEVATED:
            out.append(Contribution(ReasonCode.PLATFORM_ELEVATED, 150 if is_new else 60,
                                    FeatureDelta(
                "concurrent_accounts", round(view.concurrent_baseline, 3),
                view.concurrent_accounts,
                f"{view.concurrent_accounts} accounts withdrawing at once"
                f" ({view.concurrency_delta:+.0%}), new_addr_rate {view.new_addr_rate:.0%}"
                f" vs {view.new_addr_baseline:.1%}")))
        return out

