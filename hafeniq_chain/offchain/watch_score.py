"""What the destination watch adds to one request's score and platform view.

A request to a flagged destination gets ``CONVERGED_DESTINATION`` (points decaying with
the flag's age, from BLOCKED towards HOLD) and joins the flag's incident; a fresh
destination reached by enough accounts within the horizon gets ``ADDRESS_CONVERGENCE``
as a window convergence would. Either makes the platform view CRITICAL and names every
account that sent to the destination for freezing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from hafeniq_chain.core.finding import FeatureDelta
from hafeniq_chain.core.reasons import ReasonCode
from hafeniq_chain.core.settings import WithdrawalSettings
from hafeniq_chain.offchain.convergence import Convergence
from hafeniq_chain.offchain.destination_watch import FlagHit
from hafeniq_chain.offchain.platform import PlatformView
from hafeniq_chain.offchain.types import Contribution, PlatformState, ScoredWithdrawal

CONVERGENCE_POINTS = 800


@dataclass(frozen=True)
class WatchOutcome:
    """The contributions, the widened view and the incident to link (if flagged)."""

    parts: list[Contribution]
    view: PlatformView
    linked_incident: int | None


def watch_outcome(req: ScoredWithdrawal, view: PlatformView, hit: FlagHit | None,
                  senders: dict[str, datetime], fresh: bool | None,
                  settings: WithdrawalSettings) -> WatchOutcome:
    """``senders``: accounts that sent to the destination within the horizon (``req``'s
    included); ``fresh``: first used on the platform inside the horizon (None: unknown)."""
    in_window = any(c.destination == req.destination for c in view.convergences)
    accounts = sorted(senders, key=lambda a: senders[a])
    if hit is not None:
        points = round(400 + 600 * hit.weight)
        named = sorted(hit.flag.accounts | set(accounts))
        part = Contribution(ReasonCode.CONVERGED_DESTINATION, points, FeatureDelta(
            "flag_weight", 1.0, round(hit.weight, 3),
            f"destination converged {hit.age_s / 3600:.1f} h ago"
            f" (incident {hit.flag.incident_id}); {len(named)} accounts sent to it"))
        return WatchOutcome([part], _critical(view, req, named), hit.flag.incident_id)
    if (fresh and not in_window and len(accounts) >= settings.slow_convergence_accounts):
        first, second = senders[accounts[0]], senders[accounts[1]]
        hours = settings.convergence_horizon_s / 3600
        part = Contribution(ReasonCode.ADDRESS_CONVERGENCE, CONVERGENCE_POINTS, FeatureDelta(
            "converging_accounts", 1, len(accounts),
            f"{len(accounts)} accounts sent to this fresh address within {hours:g} h"))
        convergence = Convergence(req.destination, tuple(accounts),
                                  (second - first).total_seconds())
        widened = replace(view, convergences=[*view.convergences, convergence])
        return WatchOutcome([part], _critical(widened, req, accounts), None)
    return WatchOutcome([], view, None)


def _critical(view: PlatformView, req: ScoredWithdrawal, accounts: list[str]
              ) -> PlatformView:
    freeze = list(dict.fromkeys([*view.freeze_accounts, *accounts]))
    convergences = view.convergences
    if not any(c.destination == req.destination for c in convergences):
        convergences = [*convergences, Convergence(req.destination, tuple(accounts), 0.0)]
    return replace(view, state=PlatformState.CRITICAL, freeze_accounts=freeze,
                   convergences=convergences)
