"""Amount-forecast policy for watched hot wallets, on-chain (seed 002).

Every outgoing transfer (native or ERC-20) of a ``[[watch]]`` entry of kind ``hot_wallet``
is checked against that wallet's forecast for that token (per-transfer limit) and against
a 1-hour velocity window. History is read from ``edge_events`` on the first block and
learnt as blocks land; limits are trained at first coverage, when history doubles and
weekly in chain time, or on demand (``retrain``).

Modes per wallet (``[forecast] modes``, keyed by address; else ``default_mode``):
``log_only`` raises a MEDIUM finding; ``reject`` raises a HIGH finding saying the
transfer *would have been rejected* (on-chain the transfer already happened; the finding
is what a signing policy in front of the wallet would have refused). A wallet/token with
too little history is *not covered*: a ``NOT_COVERED`` report (log event, and the
``covered: false`` state saved in ``baselines``), never a guessed limit, and no finding.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Self

from hafeniq_chain.core.finding import ConfidenceBand, FeatureDelta, Finding, Severity
from hafeniq_chain.core.forecast import ForecastVerdict
from hafeniq_chain.core.reasons import ReasonCode
from hafeniq_chain.core.settings import ForecastSettings
from hafeniq_chain.decode.records import BlockBundle, TransferRecord
from hafeniq_chain.detect.base import DetectionContext, Detector, Triggers
from hafeniq_chain.detect.wallet.wallet_forecast_state import ScopeState
from hafeniq_chain.log import get_logger

if TYPE_CHECKING:
    from hafeniq_chain.core.settings import WatchSettings
    from hafeniq_chain.detect.settings import DetectionSettings

log = get_logger(__name__)

_HISTORY_SQL = """
SELECT e.src, e.token, e.amount, b.timestamp FROM edge_events e
JOIN blocks b ON b.chain_id = e.chain_id AND b.number = e.block_number
WHERE e.chain_id = $1 AND e.src = ANY($2::text[]) AND e.kind IN ('native', 'erc20')
  AND e.block_number < $3 AND b.timestamp >= $4
ORDER BY e.block_number, e.position
"""


def scope_key(wallet: str, token: str) -> str:
    """``<wallet>:<token>``; the token is ``native`` for ETH."""
    return f"{wallet}:{token or 'native'}"


class HotWalletForecastDetector(Detector):
    """Checks watched hot wallets' outgoing transfers against their amount forecasts."""

    name = "hot_wallet_forecast"
    version = "1"
    triggers = Triggers(blocks=True)

    def __init__(self, forecast: ForecastSettings | None = None,
                 watch: Sequence[WatchSettings] = ()) -> None:
        self.scopes: dict[str, ScopeState] = {}
        self.settings = forecast or ForecastSettings()
        modes = {k.lower(): v for k, v in self.settings.modes.items()}
        self.wallets = {w.address.lower(): modes.get(w.address.lower(),
                                                     self.settings.default_mode)
                        for w in watch if w.kind == "hot_wallet"}  # address -> mode
        self._loaded = False
        self._reported_uncovered: set[str] = set()

    @classmethod
    def from_settings(cls, settings: DetectionSettings) -> Self:
        """Hot wallets from ``[[watch]]`` (kind ``hot_wallet``), limits from ``[forecast]``."""
        return cls(settings.forecast, settings.watch)

    async def _load(self, block: BlockBundle, ctx: DetectionContext) -> None:
        """First block: the watched wallets' earlier transfers from the database."""
        self._loaded = True
        if not self.wallets or ctx.pool is None:
            return
        start = datetime.fromtimestamp(block.timestamp, UTC) - timedelta(
            days=self.settings.history_days)
        rows = await ctx.pool.fetch(_HISTORY_SQL, ctx.chain_id, sorted(self.wallets),
                                    block.number, start)
        for r in rows:
            self._scope(r["src"], r["token"]).record(r["timestamp"], Decimal(r["amount"]))
        log.info("detect.hot_wallet_history_loaded", wallets=len(self.wallets),
                 transfers=len(rows), scopes=len(self.scopes))

    def _scope(self, wallet: str, token: str) -> ScopeState:
        return self.scopes.setdefault(scope_key(wallet, token), ScopeState())

    async def on_block(self, block: BlockBundle, ctx: DetectionContext) -> list[Finding]:
        if not self._loaded:
            await self._load(block, ctx)
        if not self.wallets:
            return []
        at = datetime.fromtimestamp(block.timestamp, UTC)
        findings: list[Finding] = []
        for t in block.transfers:
            mode = self.wallets.get(t.from_addr)
            if mode is None or t.amount <= 0:
                continue
            key = scope_key(t.from_addr, t.token)
            scope = self._scope(t.from_addr, t.token)
            if scope.due(at, self.settings.min_samples):
                self._train(key, scope, at)
            verdict = scope.check(at, Decimal(t.amount), mode)
            if not verdict.anomalous:
                scope.record(at, Decimal(t.amount))
            if not verdict.covered:
                self._report_uncovered(key, scope)
            elif verdict.anomalous:
                findings.append(self._finding(block, t, verdict, ctx.chain_id))
        return findings

    def _train(self, key: str, scope: ScopeState, at: datetime) -> None:
        s = self.settings
        scope.retrain(at, s.history_days, s.min_samples, s.wallet_sigmas)
        self._reported_uncovered.discard(key)
        log.info("detect.hot_wallet_forecast_trained", scope=key, **scope.export())

    def retrain(self, now: datetime | None = None) -> dict[str, int]:
        """On demand: retrain every scope now; returns covered / not-covered counts."""
        at = now or datetime.now(UTC)
        s = self.settings
        for key, scope in self.scopes.items():
            if len(scope.history) >= s.min_samples:
                self._train(key, scope, at)
        covered = sum(1 for sc in self.scopes.values() if sc.forecast is not None)
        return {"scopes": len(self.scopes), "covered": covered,
                "not_covered": len(self.scopes) - covered}

    def _report_uncovered(self, key: str, scope: ScopeState) -> None:
        if key in self._reported_uncovered:
            return
        self._reported_uncovered.add(key)
        log.info("detect.hot_wallet_not_covered", scope=key, reason=ReasonCode.NOT_COVERED.value,
                 samples=len(scope.history), min_samples=self.settings.min_samples)

    def coverage(self) -> dict[str, dict[str, Any]]:
        """Per scope: covered or NOT_COVERED with its sample count (the report operators read)."""
        return {key: {**scope.export(), "reason": None if scope.forecast
                      else ReasonCode.NOT_COVERED.value} for key, scope in self.scopes.items()}

    def _finding(self, block: BlockBundle, t: TransferRecord, verdict: ForecastVerdict,
                 chain_id: int) -> Finding:
        forecast = verdict.forecast
        assert forecast is not None  # anomalous implies covered
        codes: list[ReasonCode] = []
        deltas: list[FeatureDelta] = []
        token = t.token or "native"
        if verdict.over_tx:
            codes.append(ReasonCode.AMOUNT_ABOVE_FORECAST)
            deltas.append(FeatureDelta(
                "forecast_tx_limit", forecast.tx_limit, verdict.amount,
                f"transfer {verdict.amount / forecast.tx_limit:.1f}x the forecast limit"
                f" ({token}, raw units)"))
        if verdict.over_hour:
            codes.append(ReasonCode.VELOCITY_EXCEEDED)
            deltas.append(FeatureDelta(
                "forecast_hourly_limit", forecast.hourly_limit, round(verdict.hour_total, 2),
                f"1-hour outflow {verdict.hour_total / forecast.hourly_limit:.1f}x the"
                f" forecast limit ({token}, raw units)"))
        ratio = max(verdict.amount / forecast.tx_limit, verdict.hour_total /
                    forecast.hourly_limit)
        score = min(1.0, 0.5 + 0.1 * math.log2(max(ratio, 1.0)))
        rejects = verdict.rejects
        margin = 0.3 / math.sqrt(forecast.samples)
        return Finding(
            detector=self.name, detector_version=self.version,
            kind="amount_above_forecast" if verdict.over_tx else "velocity_exceeded",
            score=round(score, 3),
            confidence=ConfidenceBand(max(0.0, score - margin), min(1.0, score + margin)),
            severity=Severity.HIGH if rejects else Severity.MEDIUM,
            reason_codes=tuple(codes),
            summary=(f"hot wallet {t.from_addr} sent {t.amount} {token} to {t.to_addr}: above"
                     f" its forecast ({verdict.mode}"
                     f"{'; would have been rejected' if rejects else ''})"),
            dedup_key=f"{self.name}:{chain_id}:{t.tx_hash}:{t.position}",
            chain_id=chain_id, entities=(t.from_addr, t.to_addr), tx_hashes=(t.tx_hash,),
            block_from=block.number, block_to=block.number, deltas=tuple(deltas),
            details={**verdict.as_dict(), "token": t.token or None,
                     "would_reject": rejects, "samples": forecast.samples,
                     "trained_at": forecast.trained_at})

    def export_baselines(self) -> list[tuple[str, dict[str, Any], int]]:
        return [(key, scope.export(), len(scope.history)) for key, scope in self.scopes.items()]

    def import_baselines(self, rows: list[tuple[str, dict[str, Any]]]) -> None:
        for key, state in rows:
            wallet, _, token = key.partition(":")
            self._scope(wallet, "" if token == "native" else token).restore(state)

