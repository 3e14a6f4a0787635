"""What would another policy have decided? Re-decide recorded decisions, list changes.

Decisions store the fused score, the detectors and entities behind it and when they
were made, so a policy can be re-applied exactly without re-running detectors. Only
decisions whose action (or whether they would alert) differ are reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg

from hafeniq_chain.core.actions import ALERTING, Action
from hafeniq_chain.core.policy import Policy


@dataclass(frozen=True)
class PolicyChange:
    """One decision that another policy would have made differently."""

    decision_id: int
    subject: str
    risk_score: int
    old_action: str
    new_action: str
    old_alerted: bool
    new_alerted: bool

    @property
    def change(self) -> str:
        if self.old_alerted != self.new_alerted:
            return "new alert" if self.new_alerted else "removed alert"
        return "changed action"


def _alerts(action: Action, simulated: bool, suppressed: str | None) -> bool:
    return action in ALERTING and not simulated and suppressed is None


async def counterfactual(pool: asyncpg.Pool, policy: Policy, since: datetime | None = None,
                         until: datetime | None = None) -> list[PolicyChange]:
    """Changes ``policy`` would make to the decisions recorded in [since, until]."""
    rows = await pool.fetch(
        "SELECT d.id, d.subject, d.risk_score, d.action, d.simulated, d.details, d.created_at, "
        "i.finding_ids FROM decisions d LEFT JOIN incidents i "
        "ON d.subject = 'incident:' || i.id WHERE ($1::timestamptz IS NULL OR d.created_at "
        ">= $1) AND ($2::timestamptz IS NULL OR d.created_at <= $2) ORDER BY d.id",
        since, until)
    changes = []
    for r in rows:
        details = r["details"] or {}
        entities = list(details.get("entities", []))
        detectors = sorted({c["detector"] for c in details.get("contributions", [])})
        old = Action(r["action"])
        new, simulated = policy.decide(r["risk_score"], detectors, entities)
        suppressed = policy.suppressed(entities, r["created_at"])
        old_alerted = _alerts(old, r["simulated"], details.get("suppressed"))
        new_alerted = _alerts(new, simulated, suppressed)
        if new != old or new_alerted != old_alerted:
            changes.append(PolicyChange(r["id"], r["subject"], r["risk_score"], old.value,
                                        new.value, old_alerted, new_alerted))
    return changes
