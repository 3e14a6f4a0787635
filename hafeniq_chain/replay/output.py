"""The documented `replay --jsonl` line: one finding, a stable shape scripts rely on."""

from __future__ import annotations

from typing import Any

from hafeniq_chain.replay.pipeline import StoredFinding

JSONL_SCHEMA_VERSION = 1


def finding_line(stored: StoredFinding) -> dict[str, Any]:
    """Keys are fixed (see README "Replay output"); new keys may be added, never renamed."""
    f = stored.finding
    return {
        "schema_version": JSONL_SCHEMA_VERSION,
        "finding_id": stored.id,
        "detector": f.detector,
        "kind": f.kind,
        "block_number": f.block_from,
        "tx_hashes": list(f.tx_hashes),
        "actors": list(f.details.get("actors", [])),
        "pool": f.details.get("pool"),
        "score": f.score,
        "confidence": [f.confidence.low, f.confidence.high],
        "severity": f.severity.value,
        "reason_codes": [c.value for c in f.reason_codes],
        "summary": f.summary,
        "details": f.details,
    }
