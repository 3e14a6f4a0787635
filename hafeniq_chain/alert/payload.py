"""The one ``hafeniq.alert/v1`` payload, for on-chain incidents and off-chain ones alike.

Why one builder: Slack, the webhook, the console and every later channel render this shape;
when on-chain fusion and the withdrawal engine each wrote their own dict, a field added to
one was missing from the other.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from hafeniq_chain.core.actions import Action

SCHEMA = "hafeniq.alert/v1"

AlertKind = Literal["alert", "update"]


@dataclass(frozen=True)
class IncidentView:
    """What an alert says about its incident."""

    id: int
    correlation_key: str
    risk_score: int
    confidence: tuple[int, int]
    severity: str
    action: Action
    reason_codes: Sequence[str]
    entities: Sequence[str]
    summary: str
    explanation: Sequence[dict[str, Any]] = field(default_factory=list)


def alert_payload(kind: AlertKind, incident: IncidentView, tx_hashes: Sequence[str] = (),
                  offchain: dict[str, Any] | None = None,
                  chains: Sequence[dict[str, Any]] = ()) -> dict[str, Any]:
    """The JSON body stored in ``alerts.payload`` and handed to every channel."""
    payload: dict[str, Any] = {
        "schema": SCHEMA, "kind": kind,
        "incident": {"id": incident.id, "correlation_key": incident.correlation_key,
                     "risk_score": incident.risk_score,
                     "confidence": list(incident.confidence),
                     "severity": incident.severity, "action": incident.action.value,
                     "reason_codes": list(incident.reason_codes),
                     "entities": list(incident.entities), "summary": incident.summary,
                     "explanation": list(incident.explanation)},
        "tx_hashes": sorted(set(tx_hashes)),
    }
    if offchain is not None:
        payload["offchain"] = offchain
    if chains:  # on-chain evidence: which chain(s), {"chain_id", "name"}
        payload["chains"] = list(chains)
    return payload
