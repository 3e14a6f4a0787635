"""IncidentEngine: Findings -> one evolving incident per correlation key -> decisions.

Everything about one decision is written in ONE transaction: the findings, the incident,
the decision, its audit record, and — when policy says alert — the alert and its outbox
rows. So an alert exists exactly when its decision does, and a crash loses neither.
Cooldown and a minimum score rise keep an ongoing attack to one updated incident
instead of an alert storm.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from hafeniq_chain.alert.enqueue import store_alert
from hafeniq_chain.alert.payload import IncidentView, alert_payload
from hafeniq_chain.audit import append_audit
from hafeniq_chain.core.actions import ALERTING, Action
from hafeniq_chain.core.finding import Finding
from hafeniq_chain.core.policy import Policy
from hafeniq_chain.fuse.calibration import detector_weights
from hafeniq_chain.fuse.findings_rows import finding_from_row
from hafeniq_chain.fuse.fusion import FusedRisk, fuse
from hafeniq_chain.metrics import INCIDENTS
from hafeniq_chain.store.database import Connection
from hafeniq_chain.store.findings import insert_findings


def correlation_key(f: Finding) -> str:
    """Findings about the same thing share a key: explicit, else the primary entity."""
    explicit = f.details.get("correlation_key")
    if isinstance(explicit, str) and explicit:
        return explicit
    if f.entities:
        return f"entity:{f.entities[0].lower()}"
    return f"finding:{f.detector}:{f.dedup_key}"


def severity_for(score: int) -> str:
    for floor, name in ((800, "critical"), (600, "high"), (400, "medium"), (200, "low")):
        if score >= floor:
            return name
    return "info"


@dataclass(frozen=True)
class Decision:
    """What the engine decided for one correlation group."""

    incident_id: int
    decision_id: int
    alert_id: int | None
    correlation_key: str
    risk: FusedRisk
    action: Action
    simulated: bool
    suppressed: str | None
    opened: bool


class IncidentEngine:
    """Turns findings into incidents, decisions, audit records and alerts."""

    def __init__(self, pool: asyncpg.Pool, policy: Policy, channels: Sequence[str],
                 weights: Mapping[str, float] | None = None,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 weights_ttl_s: float = 60.0,
                 on_alert: Callable[[], None] | None = None,
                 router: Callable[[dict[str, Any]], Sequence[str]] | None = None) -> None:
        """``weights`` fixes detector weights; without it they come from analyst feedback.

        ``on_alert`` runs after a transaction that enqueued an alert commits, so the outbox
        can deliver at once instead of at its next poll.
        """
        self.pool = pool
        self.on_alert = on_alert
        self.policy = policy
        self.channels = list(channels)
        self.router = router  # alert payload -> channels (alert.routing.ChannelRouter)
        self.fixed_weights = weights
        self.clock = clock
        self.weights_ttl_s = weights_ttl_s
        self._weights: dict[str, float] = {}
        self._weights_at = -float("inf")

    async def weights(self) -> Mapping[str, float]:
        """Calibrated detector weights, re-read from feedback at most every TTL seconds."""
        if self.fixed_weights is not None:
            return self.fixed_weights
        if time.monotonic() - self._weights_at > self.weights_ttl_s:
            self._weights = await detector_weights(self.pool)
            self._weights_at = time.monotonic()
        return self._weights

    async def process(self, findings: Sequence[Finding]) -> list[Decision]:
        groups: dict[str, list[Finding]] = defaultdict(list)
        for f in findings:
            groups[correlation_key(f)].append(f)
        decisions = []
        for key in sorted(groups):
            async with self.pool.acquire() as conn, conn.transaction():
                decisions.append(await self._decide(conn, key, groups[key]))
            if decisions[-1].alert_id is not None and self.on_alert is not None:
                self.on_alert()
        return decisions

    async def _decide(self, conn: Connection, key: str, new: list[Finding]) -> Decision:
        now = self.clock()
        ids = await insert_findings(conn, new)
        since = now - timedelta(seconds=self.policy.correlation_window_s)
        incident = await conn.fetchrow(
            "SELECT * FROM incidents WHERE correlation_key = $1 AND status = 'open' "
            "AND updated_at >= $2 ORDER BY id DESC LIMIT 1 FOR UPDATE", key, since)
        finding_ids = sorted(set(ids) | set(incident["finding_ids"] if incident else []))
        rows = await conn.fetch("SELECT * FROM findings WHERE id = ANY($1::bigint[]) "
                                "AND status <> 'retracted'", finding_ids)
        weights = await self.weights()
        risk = fuse([finding_from_row(r) for r in rows], weights)
        detectors = sorted({r["detector"] for r in rows})
        entities = sorted({e for r in rows for e in r["entities"]})
        action, simulated = self.policy.decide(risk.score, detectors, entities, weights)
        suppressed = self.policy.suppressed(entities, now)
        summary = risk.contributions[0].finding.summary if risk.contributions else ""
        details = dict(incident["details"]) if incident else {}
        fields = (risk.score, risk.low, risk.high, severity_for(risk.score), action.value,
                  risk.reason_codes, entities, finding_ids, summary)
        if incident is None:
            incident_id = await conn.fetchval(
                "INSERT INTO incidents (correlation_key, risk_score, confidence_low, "
                "confidence_high, severity, action, reason_codes, entities, finding_ids, "
                "summary, opened_at, updated_at, details) VALUES ($1, $2, $3, $4, $5, $6, "
                "$7, $8, $9, $10, $11, $11, '{}') RETURNING id", key, *fields, now)
            INCIDENTS.labels(severity=severity_for(risk.score)).inc()
        else:
            incident_id = incident["id"]
            await conn.execute(
                "UPDATE incidents SET risk_score = $2, confidence_low = $3, "
                "confidence_high = $4, severity = $5, action = $6, reason_codes = $7, "
                "entities = $8, finding_ids = $9, summary = $10, updated_at = $11 "
                "WHERE id = $1", incident_id, *fields, now)
        explanation = _explain(risk)
        decision_id = await conn.fetchval(
            "INSERT INTO decisions (subject, risk_score, action, reason_codes, details, "
            "policy_hash, simulated, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
            "RETURNING id", f"incident:{incident_id}", risk.score, action.value,
            risk.reason_codes, {"contributions": explanation, "suppressed": suppressed,
                                "band": [risk.low, risk.high], "entities": entities},
            self.policy.digest, simulated, now)
        await append_audit(conn, "decision", f"incident:{incident_id}", {
            "decision_id": decision_id, "risk": risk.score, "band": [risk.low, risk.high],
            "action": action.value, "simulated": simulated, "suppressed": suppressed,
            "reason_codes": risk.reason_codes, "finding_ids": finding_ids,
            "policy": self.policy.digest})
        alert_id = None
        if action in ALERTING and not simulated and suppressed is None \
                and self._should_alert(details, risk.score, action, now, detectors):
            alert_id = await self._enqueue_alert(conn, incident_id, decision_id, key, risk,
                                                 action, entities, summary, incident is None)
            details.update(last_alert_score=risk.score, last_alert_action=action.value,
                           last_alert_at=now.isoformat(), last_alert_detectors=detectors)
            await conn.execute("UPDATE incidents SET details = $2 WHERE id = $1",
                               incident_id, details)
        return Decision(incident_id, decision_id, alert_id, key, risk, action, simulated,
                        suppressed, incident is None)

    def _should_alert(self, details: dict[str, Any], score: int, action: Action,
                      now: datetime, detectors: Sequence[str]) -> bool:
        """First alert always; a new kind of evidence (a detector the last alert did not
        have, e.g. a copycat wave joining a drain) at once; a higher score or action only
        after the cooldown."""
        if "last_alert_at" not in details:
            return True
        if set(detectors) - set(details.get("last_alert_detectors", detectors)):
            return True
        escalated = score >= details["last_alert_score"] + self.policy.realert_delta or (
            action.rank > Action(details["last_alert_action"]).rank)
        cooled = now - datetime.fromisoformat(details["last_alert_at"]) >= timedelta(
            seconds=self.policy.cooldown_s)
        return escalated and cooled

    async def _enqueue_alert(self, conn: Connection, incident_id: int, decision_id: int,
                             key: str, risk: FusedRisk, action: Action, entities: list[str],
                             summary: str, opened: bool) -> int:
        payload = alert_payload(
            "alert" if opened else "update",
            IncidentView(incident_id, key, risk.score, (risk.low, risk.high),
                         severity_for(risk.score), action, risk.reason_codes, entities,
                         summary, _explain(risk)),
            [h for c in risk.contributions for h in c.finding.tx_hashes],
            chains=[dict(r) for r in await conn.fetch(
                "SELECT chain_id, name FROM chains WHERE chain_id = ANY($1::bigint[]) "
                "ORDER BY chain_id", list({c.finding.chain_id for c in risk.contributions}))])
        channels = self.router(payload) if self.router is not None else self.channels
        return await store_alert(conn, payload, channels, summary or key, decision_id)


def _explain(risk: FusedRisk) -> list[dict[str, Any]]:
    """Reasons ordered by contribution, with the feature deltas behind them."""
    return [{"detector": c.detector, "kind": c.kind, "log_odds": round(c.log_odds, 3),
             "weight": c.weight, "score": c.finding.score,
             "reason_codes": [r.value for r in c.finding.reason_codes],
             "deltas": [d.as_dict() for d in c.finding.deltas], "summary": c.finding.summary}
            for c in risk.contributions]
