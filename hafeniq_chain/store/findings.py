"""Store Findings idempotently: the same (detector, dedup_key) is one row, updated.

A re-emitted finding with status "confirmed" or "retracted" sets the row's status (its
``created_at`` stays the first sighting); an "open" one revives a row a reorg retracted.
"""

from __future__ import annotations

from collections.abc import Sequence

from hafeniq_chain.core.finding import Finding
from hafeniq_chain.metrics import FINDINGS
from hafeniq_chain.store.database import Connection

_UPSERT = """
INSERT INTO findings (chain_id, detector, detector_version, kind, score, confidence_low,
    confidence_high, severity, entities, tx_hashes, block_from, block_to, reason_codes,
    deltas, details, summary, dedup_key, status)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
ON CONFLICT (detector, dedup_key) DO UPDATE SET
    score = EXCLUDED.score, confidence_low = EXCLUDED.confidence_low,
    confidence_high = EXCLUDED.confidence_high, severity = EXCLUDED.severity,
    entities = EXCLUDED.entities, tx_hashes = EXCLUDED.tx_hashes,
    block_to = EXCLUDED.block_to, reason_codes = EXCLUDED.reason_codes,
    deltas = EXCLUDED.deltas, details = EXCLUDED.details, summary = EXCLUDED.summary,
    status = CASE WHEN EXCLUDED.status <> 'open' THEN EXCLUDED.status
                  WHEN findings.status = 'retracted' THEN 'open' ELSE findings.status END
RETURNING id, (xmax = 0) AS inserted"""


async def insert_findings(conn: Connection, findings: Sequence[Finding]) -> list[int]:
    """Upsert findings; returns their ids in order. New rows are counted in metrics."""
    ids = []
    for f in findings:
        row = await conn.fetchrow(
            _UPSERT, f.chain_id, f.detector, f.detector_version, f.kind, f.score,
            f.confidence.low, f.confidence.high, f.severity.value, list(f.entities),
            list(f.tx_hashes), f.block_from, f.block_to, [c.value for c in f.reason_codes],
            [d.as_dict() for d in f.deltas], f.details, f.summary, f.dedup_key, f.status)
        assert row is not None
        ids.append(row["id"])
        if row["inserted"]:
            FINDINGS.labels(detector=f.detector).inc()
    return ids
