"""Amount forecast per wallet or account (seed 002): a per-transfer and a 1-hour limit.

Trained from history (robust log-amount centre + 3 robust SDs for one transfer; the
99th percentile of trailing 1-hour totals for the velocity window), stored in
``baselines``. Too little history means *not covered*, never a guessed limit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import numpy as np

DETECTOR = "amount_forecast"


@dataclass(frozen=True)
class AmountForecast:
    """Trained limits for one scope."""

    tx_limit: float
    hourly_limit: float
    samples: int
    trained_at: str

    def as_state(self) -> dict[str, Any]:
        return {"tx_limit": self.tx_limit, "hourly_limit": self.hourly_limit,
                "samples": self.samples, "trained_at": self.trained_at}


def train_forecast(history: list[tuple[datetime, Decimal]], min_samples: int,
                   trained_at: datetime, sigmas: float = 3.0) -> AmountForecast | None:
    """Limits from (time, amount) pairs, oldest first; None when too few samples.

    ``sigmas`` robust SDs above the log-amount centre make the per-transfer limit.
    """
    if len(history) < min_samples:
        return None
    amounts = np.array([float(a) for _, a in history])
    logs = np.log1p(amounts)
    centre = float(np.median(logs))
    spread = max(float(np.median(np.abs(logs - centre))) * 1.4826, 0.05)
    tx_limit = math.expm1(centre + sigmas * spread)
    times = [t for t, _ in history]
    hourly: list[float] = []
    lo = 0
    running = 0.0
    for hi, t in enumerate(times):
        running += float(amounts[hi])
        while times[lo] <= t - timedelta(hours=1):
            running -= float(amounts[lo])
            lo += 1
        hourly.append(running)
    hourly_limit = max(float(np.quantile(hourly, 0.99)), tx_limit)
    return AmountForecast(round(tx_limit, 2), round(hourly_limit, 2), len(history),
                          trained_at.isoformat())


@dataclass(frozen=True)
class ForecastVerdict:
    """One transfer checked against its scope's forecast."""

    covered: bool
    mode: str
    amount: float
    hour_total: float
    forecast: AmountForecast | None
    over_tx: bool = False
    over_hour: bool = False

    @property
    def anomalous(self) -> bool:
        return self.over_tx or self.over_hour

    @property
    def rejects(self) -> bool:
        return self.anomalous and self.mode == "reject"

    def as_dict(self) -> dict[str, Any]:
        verdict = "not_covered" if not self.covered else (
            ("rejected" if self.rejects else "logged") if self.anomalous else "ok")
        return {"covered": self.covered, "mode": self.mode, "verdict": verdict,
                "amount": self.amount, "hour_total": round(self.hour_total, 2),
                "tx_limit": self.forecast.tx_limit if self.forecast else None,
                "hourly_limit": self.forecast.hourly_limit if self.forecast else None}


def check_amount(forecast: AmountForecast | None, mode: str, amount: Decimal,
                 hour_total_before: Decimal) -> ForecastVerdict:
    """Compare one transfer (and the 1-hour total it makes) with the forecast."""
    value = float(amount)
    hour_total = float(hour_total_before) + value
    if forecast is None:
        return ForecastVerdict(False, mode, value, hour_total, None)
    return ForecastVerdict(True, mode, value, hour_total, forecast,
                           over_tx=value > forecast.tx_limit,
                           over_hour=hour_total > forecast.hourly_limit)
