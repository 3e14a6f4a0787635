"""The incident engine on a real PostgreSQL: one evolving incident, audited decisions."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from hafeniq_chain.audit import verify_chain
from hafeniq_chain.core.finding import ConfidenceBand, FeatureDelta, Finding, Severity
from hafeniq_chain.core.policy import Policy
from hafeniq_chain.core.reasons import ReasonCode
from hafeniq_chain.fuse.engine import IncidentEngine

pytestmark = pytest.mark.integration
START = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


def burst(i: int, score: float, detector: str = "drift") -> Finding:
    return Finding(detector, "1", "call_burst", score, ConfidenceBand(score - 0.1, score),
                   Severity.HIGH, (ReasonCode.CALL_RATE_SHIFT,), f"burst #{i}", f"b{i}",
                   chain_id=1, entities=("0xvictimcontract", f"0xcaller{i % 7}"),
                   tx_hashes=(f"0x{i:064x}",), block_from=100 + i, block_to=100 + i,
                   deltas=(FeatureDelta("call_rate", 2.0, 2.0 + i, f"call rate +{i * 50}%"),))


async def test_ten_minute_attack_is_one_evolving_incident(pool: asyncpg.Pool) -> None:
    clock = Clock()
    engine = IncidentEngine(pool, Policy(), ["webhook"], clock=clock)
    decisions = []
    for i in range(100):  # one finding every 6 s for 10 minutes, confidence rising
        clock.now = START + timedelta(seconds=6 * i)
        decisions += await engine.process([burst(i, min(0.97, 0.5 + i * 0.005))])
    assert len({d.incident_id for d in decisions}) == 1
    assert await pool.fetchval("SELECT count(*) FROM incidents") == 1
    alerts = await pool.fetch("SELECT kind, payload FROM alerts ORDER BY id")
    assert 1 <= len(alerts) <= 3, [a["kind"] for a in alerts]
    assert alerts[0]["kind"] == "alert"
    incident = await pool.fetchrow("SELECT * FROM incidents")
    assert len(incident["finding_ids"]) == 100
    assert incident["risk_score"] == decisions[-1].risk.score
    assert await pool.fetchval("SELECT count(*) FROM decisions") == 100
    assert await pool.fetchval("SELECT count(*) FROM alert_deliveries") == len(alerts)
    assert (await verify_chain(pool)).rows == 100


async def test_correlation_window_closes_and_a_new_incident_opens(pool: asyncpg.Pool) -> None:
    clock = Clock()
    engine = IncidentEngine(pool, Policy(correlation_window_s=600), ["webhook"], clock=clock)
    first = await engine.process([burst(1, 0.9)])
    clock.now = START + timedelta(hours=2)
    second = await engine.process([burst(2, 0.9)])
    assert first[0].incident_id != second[0].incident_id and second[0].opened


async def test_simulate_and_allowlist_record_without_alerting(pool: asyncpg.Pool) -> None:
    engine = IncidentEngine(pool, Policy(simulate=True), ["webhook"])
    (decision,) = await engine.process([burst(1, 0.95)])
    assert decision.simulated and decision.alert_id is None
    assert await pool.fetchval("SELECT simulated FROM decisions") is True
    quiet = IncidentEngine(pool, Policy(allowlist=["0xVictimContract"]), ["webhook"])
    (suppressed,) = await quiet.process([burst(2, 0.95, "other")])
    assert suppressed.suppressed == "allow-listed address" and suppressed.alert_id is None
    assert await pool.fetchval("SELECT count(*) FROM alerts") == 0


async def test_decision_stream_shift_becomes_its_own_incident(pool: asyncpg.Pool) -> None:
    from hafeniq_chain.core.stats import Ewma
    from hafeniq_chain.fuse.decision_drift import DecisionStreamMonitor, check_decision_stream

    engine = IncidentEngine(pool, Policy(), ["webhook"], weights={})
    monitor = DecisionStreamMonitor(k=0.5, h=4.0, warmup_buckets=3)
    monitor.baselines["drift"] = Ewma(alpha=0.1, mean=1.0, var=0.5, n=50)  # learned earlier
    for i in range(25):  # a flood of alerting decisions from one detector
        await engine.process([dataclasses.replace(burst(1000 + i, 0.9),
                                                  entities=(f"0xflood{i}",))])
    findings = await check_decision_stream(pool, monitor, engine, bucket_s=300, bucket=1)
    assert len(findings) == 1 and findings[0].entities == ("detector:drift",)
    row = await pool.fetchrow("SELECT * FROM incidents WHERE correlation_key = "
                              "'decision-stream:drift'")
    assert row is not None and row["reason_codes"] == ["DECISION_RATE_SHIFT"]


async def test_new_kind_of_evidence_re_alerts_inside_the_cooldown(pool: asyncpg.Pool) -> None:
    """A copycat wave joining a drain's incident is news; more of the same is not."""
    clock = Clock()
    engine = IncidentEngine(pool, Policy(), ["webhook"], clock=clock)

    def on(f: Finding) -> Finding:
        return dataclasses.replace(f, details={"correlation_key": "bridge:0xescrow"})
    await engine.process([on(burst(1, 0.9, "bridge_drain"))])
    clock.now += timedelta(seconds=30)
    await engine.process([on(burst(2, 0.9, "bridge_drain"))])
    clock.now += timedelta(seconds=30)
    await engine.process([on(burst(3, 0.8, "copycat_wave"))])
    clock.now += timedelta(seconds=30)
    await engine.process([on(burst(4, 0.9, "copycat_wave"))])
    kinds = [r["kind"] for r in await pool.fetch("SELECT kind FROM alerts ORDER BY id")]
    assert kinds == ["alert", "update"]
    assert await pool.fetchval("SELECT count(*) FROM incidents") == 1
