"""What the hot-wallet forecast check remembers per (wallet, token): history and limits.

Pure data and arithmetic, no I/O, so the detector's rules are testable on plain values.
Training reuses the off-chain forecast (``offchain/forecast.py``). A flagged transfer is
neither learnt (it must not raise the limit that should catch the next one) nor kept in
the 1-hour velocity window: it is already reported (in reject mode it would not have left
the wallet), and counting it again would flag every routine payout of the next hour.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from hafeniq_chain.core.forecast import (
    AmountForecast,
    ForecastVerdict,
    check_amount,
    train_forecast,
)

RETRAIN_EVERY = timedelta(days=7)
VELOCITY_WINDOW = timedelta(hours=1)
MAX_HISTORY = 20_000


@dataclass
class ScopeState:
    """One (wallet, token): learnt transfers, the current forecast and the last hour."""

    history: deque[tuple[datetime, Decimal]] = field(
        default_factory=lambda: deque(maxlen=MAX_HISTORY))
    last_hour: deque[tuple[datetime, Decimal]] = field(default_factory=deque)
    forecast: AmountForecast | None = None
    trained_samples: int = 0
    trained_at: datetime | None = None

    def hour_total_before(self, at: datetime) -> Decimal:
        """Sum of outgoing amounts in the hour before ``at`` (the window slides forward)."""
        while self.last_hour and self.last_hour[0][0] <= at - VELOCITY_WINDOW:
            self.last_hour.popleft()
        return sum((a for _, a in self.last_hour), Decimal(0))

    def check(self, at: datetime, amount: Decimal, mode: str) -> ForecastVerdict:
        """The transfer against the forecast and the 1-hour window (not yet recorded)."""
        return check_amount(self.forecast, mode, amount, self.hour_total_before(at))

    def record(self, at: datetime, amount: Decimal) -> None:
        """Learn an unflagged transfer and count it in the velocity window."""
        self.last_hour.append((at, amount))
        self.history.append((at, amount))

    def due(self, now: datetime, min_samples: int) -> bool:
        """Train at first coverage, when history doubled since, and weekly (chain time)."""
        n = len(self.history)
        if n < min_samples:
            return False
        if self.forecast is None or n >= 2 * self.trained_samples:
            return True
        return self.trained_at is not None and now - self.trained_at >= RETRAIN_EVERY

    def retrain(self, now: datetime, history_days: int, min_samples: int,
                sigmas: float) -> None:
        """Limits from the learnt transfers of the last ``history_days``."""
        start = now - timedelta(days=history_days)
        recent = [(t, a) for t, a in self.history if t >= start]
        self.forecast = train_forecast(recent, min_samples, now, sigmas)
        self.trained_samples = len(recent)
        self.trained_at = now

    def export(self) -> dict[str, Any]:
        """The state saved in ``baselines`` (limits only; history is re-read from the chain)."""
        if self.forecast is None:
            return {"covered": False, "samples": len(self.history)}
        return {**self.forecast.as_state(), "covered": True,
                "trained_samples": self.trained_samples}

    def restore(self, state: dict[str, Any]) -> None:
        if not state.get("covered"):
            return
        self.forecast = AmountForecast(float(state["tx_limit"]), float(state["hourly_limit"]),
                                       int(state["samples"]), str(state["trained_at"]))
        self.trained_samples = int(state.get("trained_samples", state["samples"]))
        self.trained_at = datetime.fromisoformat(str(state["trained_at"]))
