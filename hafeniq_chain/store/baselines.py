"""Learned detector state in the ``baselines`` table, so warm-up survives restarts.

A detector exports ``(scope, state, samples)`` rows; saving upserts them per
(detector, scope), loading returns ``(scope, state)`` for ``import_baselines``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hafeniq_chain.store.database import Connection


async def save_baselines(conn: Connection, detector: str,
                         rows: Sequence[tuple[str, dict[str, Any], int]],
                         block: int | None = None) -> int:
    """Upsert every row; returns how many were written."""
    await conn.executemany(
        """INSERT INTO baselines (detector, scope, state, samples, updated_block)
           VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (detector, scope) DO UPDATE
           SET state = EXCLUDED.state, samples = EXCLUDED.samples,
               updated_block = EXCLUDED.updated_block, updated_at = now()""",
        [(detector, scope, state, samples, block) for scope, state, samples in rows])
    return len(rows)


async def load_baselines(conn: Connection, detector: str
                         ) -> list[tuple[str, dict[str, Any]]]:
    records = await conn.fetch(
        "SELECT scope, state FROM baselines WHERE detector = $1 ORDER BY scope", detector)
    return [(r["scope"], r["state"]) for r in records]
