"""Incident summary built from recorded decisions, in the seed's report shape.

The text is produced by a template from figures; an optional ``Summariser`` (e.g. an
LLM) may rewrite the prose later but never the figures. None is configured by default.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol

import asyncpg

from hafeniq_chain.core.actions import Action

_GAP = timedelta(hours=1)


@dataclass(frozen=True)
class IncidentSummary:
    """The figures of an incident and the report text made from them."""

    incident_id: int
    title: str
    accounts_frozen: int
    requests_total: int
    requests_blocked: int
    requests_approved: int
    amount_protected: dict[str, str]
    detection_window_s: float
    convergences_confirmed: int
    recommended_actions: list[str]
    text: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class Summariser(Protocol):
    """Plug-in point for a prose writer (an LLM); receives the figures, returns text."""

    async def summarise(self, summary: IncidentSummary) -> str: ...


async def summarise_incident(conn: asyncpg.Connection, incident_id: int, tenant: str,
                             summariser: Summariser | None = None) -> IncidentSummary | None:
    """Figures from the incident's decisions (from its first converging request onwards)."""
    incident = await conn.fetchrow(
        "SELECT id, entities, details, opened_at FROM incidents WHERE id = $1"
        " AND details->>'tenant' = $2", incident_id, tenant)
    if incident is None:
        return None
    frozen = [e for e in incident["entities"] if not e.startswith("0x")]
    rows = await conn.fetch(
        "SELECT action, details FROM decisions WHERE tenant = $1"
        " AND details->>'account_id' = ANY($2::text[])"
        " AND (created_at >= $3::timestamptz - interval '1 hour' OR $4) ORDER BY id", tenant,
        frozen, incident["opened_at"], "first_event_at" in incident["details"])
    rows = [r for r in rows if r["details"]["destination"] in set(incident["entities"])
            and _in_span(incident["details"], r["details"]["occurred_at"])]
    blocked = [r for r in rows if r["action"] == Action.REJECT]
    approved = [r for r in rows if r["action"] == Action.ALLOW]
    protected: dict[str, Decimal] = {}
    for r in blocked:
        asset = r["details"]["asset"]
        protected[asset] = protected.get(asset, Decimal(0)) + Decimal(r["details"]["amount"])
    times = [datetime.fromisoformat(r["details"]["occurred_at"]) for r in rows]
    window = (max(times) - min(times)).total_seconds() if times else 0.0
    converged = {c["destination"] for c in incident["details"].get("convergences", [])}
    keys = {r["details"].get("api_key_fingerprint") for r in rows} - {None}
    actions = [f"On-chain tracking for {len(approved)} approved txns."] if approved else []
    actions.append("API key rotation required." if keys
                   else "Reset credentials of the frozen accounts.")
    text = "\n".join([
        "Coordinated multi-account withdrawal attack detected and contained.",
        f"accounts frozen {len(frozen)}",
        f"requests blocked {len(blocked)} / {len(rows)}",
        *(f"{asset} protected {amount:,.2f}" for asset, amount in sorted(protected.items())),
        f"detection window {window:.0f} seconds",
        f"Key signal: cross-account address convergence confirmed x {len(converged)}.",
        "Recommended action:", *actions,
    ])
    summary = IncidentSummary(
        incident_id, "Coordinated multi-account withdrawal attack", len(frozen), len(rows),
        len(blocked), len(approved), {a: f"{v:.2f}" for a, v in protected.items()}, window,
        len(converged), actions, text)
    if summariser is not None:
        summary = IncidentSummary(**{**summary.as_dict(),
                                     "text": await summariser.summarise(summary)})
    return summary


def _in_span(details: dict[str, Any], occurred_at: str) -> bool:
    """Is a decision's event time within an hour of the incident's events (incidents are
    keyed on event time; an incident recorded before that is not filtered here)?"""
    if "first_event_at" not in details:
        return True
    at = datetime.fromisoformat(occurred_at)
    return (datetime.fromisoformat(details["first_event_at"]) - _GAP <= at
            <= datetime.fromisoformat(details["last_event_at"]) + _GAP)
