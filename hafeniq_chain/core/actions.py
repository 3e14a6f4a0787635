"""The one action vocabulary: what a decision recommends, on chain and off.

Why one enum: on-chain incidents and withdrawal decisions share the ``incidents`` and
``decisions`` tables, the audit chain and the alert payload; two vocabularies wrote
``quarantine`` beside ``BLOCKED`` in one column. The withdrawal API keeps its documented
wire words (``APPROVED``/``HOLD``/``BLOCKED``), which are a rendering of three of these
actions (``Action.verdict``), never stored.
"""

from __future__ import annotations

from enum import StrEnum


class Action(StrEnum):
    """What the engine recommends (and, in enforcing integrations, does), mildest first."""

    ALLOW = "allow"
    LOG_ONLY = "log_only"
    ALERT_ONLY = "alert_only"
    THROTTLE = "throttle"
    CHALLENGE = "challenge"
    QUARANTINE = "quarantine"
    REJECT = "reject"

    @property
    def rank(self) -> int:
        """Position in severity order (ALLOW is 0): a re-alert needs a higher rank."""
        return _ORDER.index(self)

    @property
    def verdict(self) -> str:
        """The withdrawal API's word for this action: APPROVED, HOLD or BLOCKED."""
        if self is Action.REJECT:
            return "BLOCKED"
        return "HOLD" if self.rank > Action.ALERT_ONLY.rank else "APPROVED"

    @classmethod
    def from_verdict(cls, verdict: str) -> Action:
        """The action a withdrawal verdict stands for (for rows written before 0034)."""
        return _FROM_VERDICT[verdict]


_ORDER = list(Action)
_FROM_VERDICT = {"APPROVED": Action.ALLOW, "HOLD": Action.QUARANTINE, "BLOCKED": Action.REJECT}

ALERTING = frozenset({Action.ALERT_ONLY, Action.THROTTLE, Action.CHALLENGE,
                      Action.QUARANTINE, Action.REJECT})
