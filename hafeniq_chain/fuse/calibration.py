"""Per-detector calibration from analyst feedback: a Beta-Bernoulli posterior of precision
and the Brier score of the detector's own scores.

A true positive adds to alpha, a false positive or benign-expected verdict to beta, for
every detector whose findings were in the alerted incident. Fusion weights each detector
by its posterior mean precision relative to the prior (bounded), so a detector analysts
keep rejecting counts for less, and one they keep confirming counts for more.
"""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from hafeniq_chain.metrics import DETECTOR_BRIER, DETECTOR_PRECISION

PRIOR_ALPHA = 2.0
PRIOR_BETA = 2.0
WEIGHT_BOUNDS = (0.25, 2.0)


@dataclass
class Calibration:
    """Posterior of one detector's precision plus its Brier score."""

    alpha: float = PRIOR_ALPHA
    beta: float = PRIOR_BETA
    brier_sum: float = 0.0
    verdicts: int = 0

    @property
    def precision(self) -> float:
        return self.alpha / (self.alpha + self.beta)

    @property
    def brier(self) -> float | None:
        return self.brier_sum / self.verdicts if self.verdicts else None

    @property
    def weight(self) -> float:
        prior = PRIOR_ALPHA / (PRIOR_ALPHA + PRIOR_BETA)
        low, high = WEIGHT_BOUNDS
        return min(high, max(low, self.precision / prior))

    def as_dict(self) -> dict[str, float | int | None]:
        return {"alpha": self.alpha, "beta": self.beta, "precision": round(self.precision, 4),
                "brier": None if self.brier is None else round(self.brier, 4),
                "weight": round(self.weight, 4), "verdicts": self.verdicts}


_FEEDBACK = """
SELECT fb.verdict, f.detector, max(f.score) AS score
FROM alert_feedback fb JOIN alerts a ON a.id = fb.alert_id
JOIN incidents i ON i.id = a.incident_id JOIN findings f ON f.id = ANY(i.finding_ids)
GROUP BY fb.id, fb.verdict, f.detector"""


async def refresh_calibration(pool: asyncpg.Pool) -> dict[str, Calibration]:
    """Recompute every detector's calibration from all feedback; export it as metrics."""
    calibration: dict[str, Calibration] = {}
    for row in await pool.fetch(_FEEDBACK):
        c = calibration.setdefault(row["detector"], Calibration())
        hit = row["verdict"] == "true_positive"
        c.alpha += hit
        c.beta += not hit
        c.brier_sum += (row["score"] - (1.0 if hit else 0.0)) ** 2
        c.verdicts += 1
    for detector, c in calibration.items():
        DETECTOR_PRECISION.labels(detector=detector).set(c.precision)
        if c.brier is not None:
            DETECTOR_BRIER.labels(detector=detector).set(c.brier)
    return calibration


async def detector_weights(pool: asyncpg.Pool) -> dict[str, float]:
    return {d: c.weight for d, c in (await refresh_calibration(pool)).items()}
