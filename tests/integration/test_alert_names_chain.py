"""With several chains, an alert says which chain its evidence came from (id and name)."""

from __future__ import annotations

import asyncpg

from hafeniq_chain.core.finding import ConfidenceBand, Finding, Severity
from hafeniq_chain.core.policy import Policy
from hafeniq_chain.core.reasons import ReasonCode
from hafeniq_chain.fuse.engine import IncidentEngine


def _finding(chain_id: int | None, key: str) -> Finding:
    return Finding("drift", "1", "burst", 0.95, ConfidenceBand(0.9, 0.97), Severity.HIGH,
                   (ReasonCode.FLASH_BURST,), "burst", key, chain_id=chain_id,
                   entities=(f"0x{key}",))


async def test_alert_payload_names_the_chain(pool: asyncpg.Pool) -> None:
    await pool.executemany("INSERT INTO chains (chain_id, name) VALUES ($1, $2)",
                           [(1, "mainnet"), (8453, "base")])
    engine = IncidentEngine(pool, Policy(), ["webhook"], weights={})
    await engine.process([_finding(8453, "b1")])
    await engine.process([_finding(None, "c1")])  # off-chain style: no chain
    payloads = [r["payload"] for r in await pool.fetch("SELECT payload FROM alerts ORDER BY id")]
    assert payloads[0]["chains"] == [{"chain_id": 8453, "name": "base"}]
    assert "chains" not in payloads[1]
