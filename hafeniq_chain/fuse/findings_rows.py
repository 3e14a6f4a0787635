"""Rebuild Findings from ``findings`` rows, so fusion works on what is stored."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import asyncpg

from hafeniq_chain.core.finding import ConfidenceBand, FeatureDelta, Finding, Severity
from hafeniq_chain.core.reasons import ReasonCode


def finding_from_row(row: Mapping[str, Any] | asyncpg.Record) -> Finding:
    return Finding(
        detector=row["detector"], detector_version=row["detector_version"], kind=row["kind"],
        score=row["score"], confidence=ConfidenceBand(row["confidence_low"],
                                                      row["confidence_high"]),
        severity=Severity(row["severity"]),
        reason_codes=tuple(ReasonCode(c) for c in row["reason_codes"]),
        summary=row["summary"], dedup_key=row["dedup_key"], chain_id=row["chain_id"],
        entities=tuple(row["entities"]), tx_hashes=tuple(row["tx_hashes"]),
        block_from=row["block_from"], block_to=row["block_to"],
        deltas=tuple(FeatureDelta(d["feature"], d["baseline"], d["observed"], d["description"])
                     for d in row["deltas"]),
        details=dict(row["details"]), status=row.get("status") or "open")
