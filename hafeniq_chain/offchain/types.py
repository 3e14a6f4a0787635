"""Plain data passed between the engine's parts and returned to the API."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from hafeniq_chain.core.actions import Action
from hafeniq_chain.core.finding import FeatureDelta
from hafeniq_chain.core.reasons import ReasonCode


class PlatformState(StrEnum):
    NORMAL = "NORMAL"
    ELEVATED = "ELEVATED"
    CRITICAL = "CRITICAL"


@dataclass(frozen=True)
class ScoredWithdrawal:
    """A withdrawal request as the engine sees it (identifiers already pseudonymised)."""

    tenant: str
    request_id: str
    account_id: str
    destination: str
    asset: str
    amount: Decimal
    occurred_at: datetime
    context: dict[str, Any] = field(default_factory=dict)
    # NOTE: the API key that asked, confirmed still valid in the decision's transaction.
    key_id: int | None = None


@dataclass(frozen=True)
class Contribution:
    """Points one signal adds to the score, with the measurement behind it."""

    code: ReasonCode
    points: int
    delta: FeatureDelta

    def as_dict(self) -> dict[str, Any]:
        return {"code": str(self.code), "points": self.points, **self.delta.as_dict()}


@dataclass
class ScoreResult:
    """The decision returned to the caller and stored with its audit record."""

    request_id: str
    score: int
    action: Action
    confidence_low: int
    confidence_high: int
    contributions: list[Contribution]
    platform_state: PlatformState
    platform_transition: str | None
    freeze_accounts: list[str]
    incident_id: int | None
    screening_log: list[str]
    decision_id: int | None = None
    duplicate: bool = False
    forecast: dict[str, Any] | None = None

    def as_response(self) -> dict[str, Any]:
        return {
            "request_id": self.request_id, "score": self.score, "action": self.action.verdict,
            "confidence": {"low": self.confidence_low, "high": self.confidence_high},
            "reason_codes": sorted({str(c.code) for c in self.contributions}),
            "reasons": [c.as_dict() for c in self.contributions],
            "platform_state": str(self.platform_state),
            "platform_transition": self.platform_transition,
            "freeze_accounts": self.freeze_accounts, "incident_id": self.incident_id,
            "screening_log": self.screening_log, "decision_id": self.decision_id,
            "duplicate": self.duplicate, "forecast": self.forecast,
        }
