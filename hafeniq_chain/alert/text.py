"""Plain-text pieces of an alert payload, shared by Discord, Telegram, PagerDuty, Opsgenie
and e-mail, so every channel says the same thing in its own markup and size limits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis when it was longer."""
    return text if len(text) <= limit else text[: max(0, limit - 1)] + "…"


@dataclass(frozen=True)
class AlertText:
    """What every channel shows: headline, risk line, reasons, entities, transactions."""

    kind: str
    severity: str
    headline: str
    risk: str
    reasons: list[tuple[str, str]]  # (codes and detector, summary + deltas)
    entities: list[str]
    tx_hashes: list[str]
    incident_id: int
    action: str
    rules: list[str]

    def body(self) -> str:
        """A plain-text rendering (e-mail body, Opsgenie description)."""
        lines = [self.headline, "", self.risk, ""]
        for head, text in self.reasons:
            lines += [f"- {head}", f"  {text}"]
        if self.entities:
            lines += ["", "Entities:", *(f"  {e}" for e in self.entities)]
        if self.tx_hashes:
            lines += ["", "Transactions:", *(f"  {h}" for h in self.tx_hashes)]
        lines += ["", f"incident {self.incident_id} · {self.kind}"]
        return "\n".join(lines)


def alert_text(payload: dict[str, Any]) -> AlertText:
    """The pieces of one ``hafeniq.alert/v1`` payload."""
    incident = payload["incident"]
    kind = payload.get("kind", "alert")
    severity = str(incident.get("severity", "info"))
    summary = incident.get("summary") or incident.get("correlation_key", "")
    prefix = ""
    if kind == "retraction":
        prefix = "RETRACTED (chain reorg) "
        summary = summary.removeprefix("RETRACTED (chain reorg): ")
    headline = f"{prefix}[{severity.upper()}] {summary}"
    low, high = incident.get("confidence", [0, 0])
    risk = (f"Risk {incident.get('risk_score')}/1000 (band {low}-{high}), recommended "
            f"action {incident.get('action')}; reasons {', '.join(incident['reason_codes'])}")
    reasons = []
    rules = []
    for reason in incident.get("explanation", [])[:5]:
        deltas = "; ".join(d["description"] for d in reason.get("deltas", [])[:4])
        head = f"{', '.join(reason.get('reason_codes', []))} ({reason.get('detector')})"
        reasons.append((head, f"{reason.get('summary', '')}" + (f" ({deltas})" if deltas
                                                                  and deltas != reason.get(
                                                                      "summary") else "")))
        rule = str(reason.get("kind", ""))
        if reason.get("detector") == "user_rules" and rule.startswith("rule:"):
            rules.append(rule[5:])
    return AlertText(kind, severity, headline, risk, reasons, list(incident.get("entities", [])),
                     list(payload.get("tx_hashes", [])), int(incident.get("id", 0)),
                     str(incident.get("action")), rules)
