"""The withdrawal risk engine: account layer + platform layer + convergence + enrichment.

One request = one transaction: the request is stored as a ``withdrawal_request`` event
(so it becomes history), scored, and its decision and audit record written together.
"""

from __future__ import annotations

import math
from typing import cast

import asyncpg

from hafeniq_chain.audit import append_audit
from hafeniq_chain.config import ForecastSettings, WithdrawalSettings
from hafeniq_chain.detect.finding import FeatureDelta
from hafeniq_chain.detect.reasons import ReasonCode
from hafeniq_chain.log import get_logger
from hafeniq_chain.offchain.account_score import account_contributions
from hafeniq_chain.offchain.baseline import build_baseline
from hafeniq_chain.offchain.enrichment import flagged_links
from hafeniq_chain.offchain.forecast import ForecastVerdict, check_amount
from hafeniq_chain.offchain.forecast_store import account_scope, hour_total, load_forecast
from hafeniq_chain.offchain.history import account_history
from hafeniq_chain.offchain.incident import record_incident
from hafeniq_chain.offchain.platform import PlatformLayer, PlatformView
from hafeniq_chain.offchain.screening_log import screening_lines
from hafeniq_chain.offchain.session import SessionAnalyser
from hafeniq_chain.offchain.store import load_decision, store_decision, store_request
from hafeniq_chain.offchain.types import (
    Action,
    Contribution,
    PlatformState,
    ScoredWithdrawal,
    ScoreResult,
)

log = get_logger(__name__)


class WithdrawalRiskEngine:
    """Scores withdrawal requests; remembers each tenant's last platform state."""

    def __init__(self, pool: asyncpg.Pool, settings: WithdrawalSettings, chain_id: int,
                 forecast: ForecastSettings | None = None,
                 forecast_modes: dict[str, str] | None = None) -> None:
        self.pool = pool
        self.settings = settings
        self.chain_id = chain_id
        self.forecast_settings = forecast or ForecastSettings()
        self.forecast_modes = forecast_modes or {}
        self.platform = PlatformLayer(settings)
        self.sessions = SessionAnalyser()
        self._last_state: dict[str, PlatformState] = {}

    def action_for(self, score: int) -> Action:
        if score >= self.settings.block_at:
            return Action.BLOCKED
        return Action.HOLD if score >= self.settings.hold_at else Action.APPROVED

    async def score(self, req: ScoredWithdrawal) -> ScoreResult:
        """Score, store and audit ``req``; a repeated request id returns the stored decision."""
        async with self.pool.acquire() as proxy, proxy.transaction():
            conn = cast(asyncpg.Connection, proxy)
            if not await store_request(conn, req):
                previous = await load_decision(conn, req.tenant, req.request_id)
                if previous is not None:
                    return previous
            history = await account_history(conn, req.tenant, req.account_id, req.occurred_at)
            base = build_baseline(history, req.occurred_at, self.settings.baseline_days)
            parts = account_contributions(req, base, history)
            parts += await self._enrichment(conn, req)
            parts += await self.sessions.contributions(conn, req)
            view = await self.platform.view(conn, req)
            parts += self._platform_contributions(req, view, is_new=req.destination
                                                  not in base.known_destinations)
            verdict = await self._forecast(conn, req)
            score = min(1000, sum(c.points for c in parts))
            action = self.action_for(score)
            if verdict.rejects:
                action = Action.BLOCKED
                parts.append(self._forecast_contribution(verdict))
            transition = self._transition(req.tenant, view.state)
            half = round(40 + 400 / math.sqrt(base.samples + 1))
            incident_id = (await record_incident(conn, req.tenant, view, score)
                           if view.state is PlatformState.CRITICAL else None)
            result = ScoreResult(
                req.request_id, score, action, max(0, score - half), min(1000, score + half),
                parts, view.state, transition, view.freeze_accounts, incident_id,
                screening_lines(req, base, view, transition, score, action),
                forecast=verdict.as_dict())
            if verdict.anomalous and not verdict.rejects:
                log.warning("forecast.anomaly_logged", tenant=req.tenant,
                            request_id=req.request_id, **verdict.as_dict())
            result.decision_id = await store_decision(conn, req, result)
            await append_audit(conn, "withdrawal_decision", f"withdrawal:{req.request_id}",
                               {"decision_id": result.decision_id, "score": score,
                                "action": action.value, "tenant": req.tenant})
        log.info("offchain.withdrawal_scored", tenant=req.tenant, request_id=req.request_id,
                 score=score, action=action.value, platform=view.state.value)
        return result

    async def _forecast(self, conn: asyncpg.Connection, req: ScoredWithdrawal
                        ) -> ForecastVerdict:
        """The amount-forecast policy verdict (seed 002) for this request."""
        forecast = await load_forecast(conn, account_scope(req.tenant, req.account_id))
        mode = self.forecast_modes.get(req.account_id, self.forecast_settings.default_mode)
        before = await hour_total(conn, req.tenant, req.account_id, req.occurred_at,
                                  req.request_id)
        return check_amount(forecast, mode, req.amount, before)

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

    async def _enrichment(self, conn: asyncpg.Connection, req: ScoredWithdrawal
                          ) -> list[Contribution]:
        links = await flagged_links(conn, self.chain_id, req.destination)
        if not links:
            return []
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

