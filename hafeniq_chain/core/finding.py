"""The one thing detectors produce: an explained, scored Finding.

Detectors never send alerts; fusion and policy decide what a Finding becomes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from hafeniq_chain.core.reasons import ReasonCode

FINDING_STATUSES = ("open", "confirmed", "retracted")


class Severity(StrEnum):
    """How bad it would be if the finding is right."""

    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


@dataclass(frozen=True)
class ConfidenceBand:
    """The range the true score probably lies in; narrow when evidence is plentiful."""

    low: float
    high: float

    def __post_init__(self) -> None:
        if not 0.0 <= self.low <= self.high <= 1.0:
            raise ValueError(f"confidence band must satisfy 0 <= low <= high <= 1: {self}")


@dataclass(frozen=True)
class FeatureDelta:
    """One measured deviation: what was normal, what was seen, in words a human reads."""

    feature: str
    baseline: float | None
    observed: float
    description: str

    @property
    def relative_change(self) -> float | None:
        """(observed - baseline) / |baseline|, or None when there is no usable baseline."""
        if self.baseline is None or self.baseline == 0:
            return None
        return (self.observed - self.baseline) / abs(self.baseline)

    def as_dict(self) -> dict[str, Any]:
        return {"feature": self.feature, "baseline": self.baseline, "observed": self.observed,
                "description": self.description}


@dataclass(frozen=True)
class Finding:
    """An explained detection. ``dedup_key`` makes re-evaluating the same block idempotent."""

    detector: str
    detector_version: str
    kind: str
    score: float
    confidence: ConfidenceBand
    severity: Severity
    reason_codes: tuple[ReasonCode, ...]
    summary: str
    dedup_key: str
    chain_id: int | None = None
    entities: tuple[str, ...] = ()
    tx_hashes: tuple[str, ...] = ()
    block_from: int | None = None
    block_to: int | None = None
    deltas: tuple[FeatureDelta, ...] = ()
    details: dict[str, Any] = field(default_factory=dict)
    # NOTE: "open" for ordinary findings; a detector that follows a finding's lifecycle
    # (a pre-inclusion alert the block confirms or refutes) re-emits the same dedup_key
    # with "confirmed" or "retracted", and the stored row takes that status.
    status: str = "open"

    def __post_init__(self) -> None:
        if not 0.0 <= self.score <= 1.0:
            raise ValueError(f"score must be in [0, 1], got {self.score}")
        if not self.reason_codes:
            raise ValueError("a finding needs at least one reason code")
        if self.status not in FINDING_STATUSES:
            raise ValueError(f"status must be one of {FINDING_STATUSES}, got {self.status!r}")

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form used by the API, replay output and alert payloads."""
        return {
            "detector": self.detector,
            "detector_version": self.detector_version,
            "kind": self.kind,
            "score": self.score,
            "confidence": {"low": self.confidence.low, "high": self.confidence.high},
            "severity": self.severity.value,
            "reason_codes": [c.value for c in self.reason_codes],
            "summary": self.summary,
            "chain_id": self.chain_id,
            "entities": list(self.entities),
            "tx_hashes": list(self.tx_hashes),
            "block_from": self.block_from,
            "block_to": self.block_to,
            "deltas": [d.as_dict() for d in self.deltas],
            "details": self.details,
        }
