"""Drift of the decision stream itself: is a detector suddenly alerting far more often?

A shifted alert rate means either an attack wave or a broken detector / upstream change;
either way a human should know. Per detector, the number of alerting decisions per
bucket is standardised against an EWMA baseline and fed to a CUSUM; an alarm becomes a
finding of its own (``DECISION_RATE_SHIFT``) that goes through fusion and policy like any
other. The baseline never learns from a bucket that raised an alarm.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from hafeniq_chain.core.actions import ALERTING
from hafeniq_chain.core.finding import ConfidenceBand, FeatureDelta, Finding, Severity
from hafeniq_chain.core.reasons import ReasonCode
from hafeniq_chain.core.stats import Cusum, Ewma


@dataclass
class DecisionStreamMonitor:
    """Feed it alert counts per detector per bucket; it returns findings on shifts."""

    k: float = 0.5
    h: float = 5.0
    warmup_buckets: int = 12
    min_std: float = 1.0
    baselines: dict[str, Ewma] = field(default_factory=dict)
    cusums: dict[str, Cusum] = field(default_factory=dict)

    def observe(self, bucket: int, counts: Mapping[str, int]) -> list[Finding]:
        """One bucket of alert counts (detectors absent from ``counts`` had zero)."""
        findings = []
        for detector in sorted(set(self.baselines) | set(counts)):
            x = float(counts.get(detector, 0))
            base = self.baselines.setdefault(detector, Ewma(alpha=0.1))
            cusum = self.cusums.setdefault(detector, Cusum(self.k, self.h))
            if base.n < self.warmup_buckets:
                base.update(x)
                continue
            z = (x - base.mean) / max(base.std, self.min_std)
            if cusum.update(z):
                findings.append(self._finding(detector, bucket, base.mean, x))
            else:
                base.update(x)
        return findings

    def _finding(self, detector: str, bucket: int, baseline: float, observed: float
                 ) -> Finding:
        ratio = observed / baseline if baseline > 0 else float("inf")
        return Finding(
            detector="decision_stream", detector_version="1", kind="decision_rate_shift",
            score=0.75, confidence=ConfidenceBand(0.6, 0.85), severity=Severity.MEDIUM,
            reason_codes=(ReasonCode.DECISION_RATE_SHIFT,),
            summary=f"{detector} is alerting {observed:.0f}x per bucket vs {baseline:.1f} "
                    "usual: an attack wave or a detector/upstream change",
            dedup_key=f"{detector}:{bucket}", entities=(f"detector:{detector}",),
            deltas=(FeatureDelta("alerts_per_bucket", baseline, observed,
                                 f"alert rate {'+' if ratio >= 1 else ''}"
                                 f"{(ratio - 1) * 100:.0f}%" if ratio != float("inf")
                                 else "alert rate from zero"),),
            details={"correlation_key": f"decision-stream:{detector}", "bucket": bucket})


_ALERTING_BY_DETECTOR = """
SELECT c ->> 'detector' AS detector, count(DISTINCT d.id) AS n
FROM decisions d, jsonb_array_elements(d.details -> 'contributions') AS c
WHERE d.created_at > now() - make_interval(secs => $1) AND NOT d.simulated
  AND d.action = ANY($2::text[]) AND c ->> 'detector' <> 'decision_stream'
GROUP BY 1"""


async def check_decision_stream(pool: Any, monitor: DecisionStreamMonitor, engine: Any,
                                bucket_s: int, bucket: int) -> list[Finding]:
    """Count the last bucket's alerting decisions per detector; fuse any shift findings."""
    rows = await pool.fetch(_ALERTING_BY_DETECTOR, float(bucket_s),
                            sorted(a.value for a in ALERTING))
    findings = monitor.observe(bucket, {r["detector"]: r["n"] for r in rows})
    if findings:
        await engine.process(findings)
    return findings
