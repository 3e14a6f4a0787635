"""Account layer: points for each way a request departs from the account's baseline.

Each signal is bounded so no single ordinary quirk (a new address, a late hour)
reaches HOLD on its own; combinations do.
"""

from __future__ import annotations

import math
from datetime import timedelta
from decimal import Decimal

from hafeniq_chain.core.actions import Action
from hafeniq_chain.core.finding import FeatureDelta
from hafeniq_chain.core.reasons import ReasonCode
from hafeniq_chain.core.settings import WithdrawalSettings
from hafeniq_chain.offchain.baseline import AccountBaseline, script_probability
from hafeniq_chain.offchain.history import PastWithdrawal, since
from hafeniq_chain.offchain.types import Contribution, ScoredWithdrawal

NOT_COVERED_POINTS = 200


def _poisson_tail(mu: float, k: int) -> float:
    """P(X >= k) for X ~ Poisson(mu); terms built one from the last (no factorials: a busy
    account's daily count reaches the thousands)."""
    term = math.exp(-mu)
    below = 0.0
    for i in range(k):
        below += term
        term *= mu / (i + 1)
    return max(0.0, 1.0 - below)


def account_contributions(req: ScoredWithdrawal, base: AccountBaseline,
                          history: list[PastWithdrawal]) -> list[Contribution]:
    """Every account-level signal that fires for ``req``."""
    out: list[Contribution] = []
    if not base.covered:
        out.append(Contribution(ReasonCode.NOT_COVERED, NOT_COVERED_POINTS, FeatureDelta(
            "history_samples", 5, base.samples, "too little history to judge this account")))
    if req.destination not in base.known_destinations:
        points = round(160 * (1 - min(base.new_addr_rate, 1.0)))
        out.append(Contribution(ReasonCode.NEW_DESTINATION, points, FeatureDelta(
            "new_addr_rate", base.new_addr_rate, 1.0,
            f"first withdrawal to this address; account new_addr_rate "
            f"{base.new_addr_rate:.1%}")))
    if base.covered:
        out += _hour_and_amount(req, base)
    out += _rate_signals(req, base, history)
    return out


def _hour_and_amount(req: ScoredWithdrawal, base: AccountBaseline) -> list[Contribution]:
    out: list[Contribution] = []
    p_hour = base.hour_probability(req.occurred_at.hour)
    if p_hour < 1 / 72:
        out.append(Contribution(ReasonCode.UNUSUAL_HOUR, 80, FeatureDelta(
            "hour_share", 1 / 24, p_hour,
            f"{req.occurred_at.hour:02d}h holds {p_hour:.1%} of this account's withdrawals")))
    z = (math.log1p(float(req.amount)) - base.log_amount_median) / base.log_amount_scale
    if z > 3:
        # NOTE: capped at 600, not 250: a cap at 250 scored 6x the usual amount like 3x.
        out.append(Contribution(ReasonCode.AMOUNT_ABOVE_FORECAST, min(600, round(60 * (z - 2))),
                                FeatureDelta("amount_robust_z", 0.0, round(z, 2),
                                             f"amount {z:.1f} robust SDs above usual")))
    return out


def _rate_signals(req: ScoredWithdrawal, base: AccountBaseline,
                  history: list[PastWithdrawal]) -> list[Contribution]:
    out: list[Contribution] = []
    day_ago = req.occurred_at - timedelta(days=1)
    hour_ago = req.occurred_at - timedelta(hours=1)
    last_day = since(history, day_ago)
    count = len(last_day) + 1
    mu = max(base.daily_freq, 0.05)
    if count >= 3 and _poisson_tail(mu, count) < 1e-3:
        out.append(Contribution(ReasonCode.FREQUENCY_SPIKE, 150, FeatureDelta(
            "daily_freq", round(mu, 3), count, f"{count} withdrawals in 24 h vs μ={mu:.2f}/day")))
    in_hour = sum(1 for w in last_day if w.occurred_at > hour_ago) + 1
    if in_hour >= 3:
        out.append(Contribution(ReasonCode.VELOCITY_EXCEEDED, 120, FeatureDelta(
            "withdrawals_1h", round(mu / 24, 3), in_hour, f"{in_hour} withdrawals in 1 hour")))
    recent = [w.occurred_at for w in last_day if w.occurred_at > hour_ago] + [req.occurred_at]
    prob = script_probability(recent)
    if prob >= 0.8:
        out.append(Contribution(ReasonCode.SCRIPTED_TIMING, 150, FeatureDelta(
            "script_prob", base.script_prob, round(prob, 2), "machine-regular request timing")))
    return out


def not_covered_floor(action: Action, settings: WithdrawalSettings, amount: Decimal
                      ) -> tuple[Action, Contribution]:
    """An account with too little history asking for more than
    ``not_covered_max_amount``: at least ``not_covered_action`` (nothing to judge it by,
    so a large amount is not approved by default)."""
    floor = Action(settings.not_covered_action)
    chosen = floor if floor.rank > action.rank else action
    limit = settings.not_covered_max_amount
    return chosen, Contribution(ReasonCode.NOT_COVERED, 0, FeatureDelta(
        "not_covered_max_amount", float(limit), float(amount),
        f"no history and amount above {limit:,} (default action {floor.value})"))
