"""Policy: what a risk score means per detector, contract, route or wallet.

Loaded from the ``[policy]`` table of the config. Rules are matched most specific first
(wallet/contract/route, then detector, then defaults). Suppressions (allow-listed
addresses, declared migration/backfill windows) and cooldowns live here too, so the
decision is reproducible from the policy file alone — which is what makes a replay under
another policy meaningful.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from hafeniq_chain.core.actions import Action


class Thresholds(BaseModel):
    """Score (0-1000) at or above which each action applies; the highest match wins."""

    model_config = ConfigDict(extra="forbid")

    log_only: int = Field(default=200, ge=0, le=1000)
    alert_only: int = Field(default=500, ge=0, le=1000)
    throttle: int | None = Field(default=None, ge=0, le=1000)
    challenge: int | None = Field(default=None, ge=0, le=1000)
    quarantine: int | None = Field(default=800, ge=0, le=1000)
    reject: int | None = Field(default=None, ge=0, le=1000)

    def action_for(self, score: int, sensitivity: float = 1.0) -> Action:
        """Sensitivity > 1 lowers every threshold (more alerts), < 1 raises them."""
        chosen = Action.ALLOW
        for action in (Action.LOG_ONLY, Action.ALERT_ONLY, Action.THROTTLE, Action.CHALLENGE,
                       Action.QUARANTINE, Action.REJECT):
            threshold = getattr(self, action.value)
            if threshold is not None and score >= min(1000, threshold / sensitivity):
                chosen = action
        return chosen


class Rule(BaseModel):
    """Overrides for one scope (a detector name, or an address / route)."""

    model_config = ConfigDict(extra="forbid")

    thresholds: Thresholds | None = None
    sensitivity: float = Field(default=1.0, gt=0, le=10)
    simulate: bool = False


class Window(BaseModel):
    """A declared window (migration, backfill) during which findings are suppressed."""

    model_config = ConfigDict(extra="forbid")

    start: datetime
    end: datetime
    reason: str = ""

    @model_validator(mode="after")
    def _ordered(self) -> Window:
        if self.end <= self.start:
            raise ValueError("end must be after start")
        return self


class Policy(BaseModel):
    """The whole ``[policy]`` table."""

    model_config = ConfigDict(extra="forbid")

    thresholds: Thresholds = Field(default_factory=Thresholds)
    sensitivity: float = Field(default=1.0, gt=0, le=10)
    simulate: bool = False
    correlation_window_s: int = Field(default=3600, ge=1)
    cooldown_s: int = Field(default=900, ge=0)
    realert_delta: int = Field(default=100, ge=0, le=1000)
    decision_bucket_s: int = Field(default=300, ge=10)
    adaptive_sensitivity: tuple[float, float] = (0.75, 1.25)
    allowlist: list[str] = Field(default_factory=list)
    suppress_windows: list[Window] = Field(default_factory=list)
    detectors: dict[str, Rule] = Field(default_factory=dict)
    entities: dict[str, Rule] = Field(default_factory=dict)

    @classmethod
    def from_config(cls, raw: dict[str, Any]) -> Policy:
        return cls.model_validate(raw)

    @property
    def digest(self) -> str:
        """Identifies the policy a decision was made under (stored with the decision)."""
        body = json.dumps(self.model_dump(mode="json"), sort_keys=True)
        return hashlib.sha256(body.encode()).hexdigest()[:16]

    def rule_for(self, detectors: list[str], entities: list[str]) -> Rule:
        for entity in entities:
            if entity.lower() in self.entities:
                return self.entities[entity.lower()]
        for detector in detectors:
            if detector in self.detectors:
                return self.detectors[detector]
        return Rule(thresholds=self.thresholds, sensitivity=self.sensitivity,
                    simulate=self.simulate)

    def decide(self, score: int, detectors: list[str], entities: list[str],
               weights: Mapping[str, float] | None = None) -> tuple[Action, bool]:
        """(action, simulated) for a fused score about these detectors and entities.

        With calibrated ``weights`` the sensitivity adapts to the best-calibrated detector
        involved, clamped to ``adaptive_sensitivity``: confirmed detectors alert a little
        earlier, rejected ones a little later, never beyond the configured bounds.
        """
        rule = self.rule_for(detectors, entities)
        sensitivity = rule.sensitivity
        if weights:
            low, high = self.adaptive_sensitivity
            sensitivity *= min(high, max(low, max(weights.get(d, 1.0) for d in detectors)))
        action = (rule.thresholds or self.thresholds).action_for(score, sensitivity)
        return action, rule.simulate or self.simulate

    def suppressed(self, entities: list[str], at: datetime) -> str | None:
        """Why these entities at this time are suppressed, or None."""
        allowed = {a.lower() for a in self.allowlist}
        if any(e.lower() in allowed for e in entities):
            return "allow-listed address"
        for window in self.suppress_windows:
            if window.start <= at <= window.end:
                return f"declared window: {window.reason or 'maintenance'}"
        return None
