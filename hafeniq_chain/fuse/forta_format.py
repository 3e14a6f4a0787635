"""Findings in the Forta ``Finding`` shape, and as plain JSON lines, for export.

Why Forta's shape: teams running Forta bots (or tools built on Forta alerts) can take our
findings as they take a bot's: ``name``, ``description``, ``alertId``, ``severity``
(Unknown, Info, Low, Medium, High, Critical), ``type`` (Exploit, Suspicious, Degraded, Info,
Scam), ``metadata`` (string values only), ``addresses`` and ``labels`` (entity, label,
confidence). ``alertId`` is stable per detector and kind (``HAFENIQ-SANDWICH-SANDWICH``,
``HAFENIQ-RULE-OWNERSHIP-TRANSFERRED``), ``uniqueKey`` per finding.
"""

from __future__ import annotations

import json
import re
from typing import Any

from hafeniq_chain.core.finding import Finding

FORTA_SEVERITY = {"info": "Info", "low": "Low", "medium": "Medium", "high": "High",
                  "critical": "Critical"}
# NOTE: what the finding claims. Attacks on a protocol are Exploit, scams Scam, our
# statistical drift Suspicious, a team's own rule Info unless it is high or critical.
_EXPLOIT = {"SANDWICH_FRONTRUN", "SANDWICH_BACKRUN", "FLASH_LOAN_VOTE", "BRIDGE_OUTFLOW_SPIKE",
            "COPYCAT_WAVE", "PRIVILEGED_CALLDATA", "VOTING_RING"}
_SCAM = {"LIQUIDITY_RUG", "LABELLED_ADDRESS", "LAUNDERING_HOPS", "PEEL_CHAIN"}


def alert_id(finding: Finding) -> str:
    kind = finding.details.get("rule") if finding.detector == "user_rules" else finding.kind
    head = "RULE" if finding.detector == "user_rules" else finding.detector
    return re.sub(r"[^A-Z0-9]+", "-", f"HAFENIQ-{head}-{kind}".upper()).strip("-")


def finding_type(finding: Finding) -> str:
    codes = {c.value for c in finding.reason_codes}
    if codes & _EXPLOIT:
        return "Exploit"
    if codes & _SCAM:
        return "Scam"
    if finding.detector == "user_rules":
        return "Suspicious" if finding.severity.value in ("high", "critical") else "Info"
    return "Suspicious"


def forta_finding(finding: Finding, finding_id: int | None = None) -> dict[str, Any]:
    """One Forta Finding (JSON-ready)."""
    metadata = {"detector": finding.detector, "kind": finding.kind,
                "score": f"{finding.score:.4f}",
                "confidence": f"{finding.confidence.low:.4f}-{finding.confidence.high:.4f}",
                "reasonCodes": ",".join(c.value for c in finding.reason_codes),
                "txHashes": ",".join(finding.tx_hashes)}
    if finding.block_from is not None:
        metadata["blockFrom"], metadata["blockTo"] = str(finding.block_from), str(
            finding.block_to)
    for delta in finding.deltas[:10]:
        metadata[f"delta.{delta.feature}"] = delta.description
    if finding.detector == "user_rules":
        metadata["rule"] = str(finding.details.get("rule", ""))
    labels = [{"entityType": "Address", "entity": address, "label": finding.kind,
               "confidence": round(finding.score, 4), "remove": False, "metadata": {}}
              for address in finding.entities[:10]]
    return {"name": finding.summary[:200] or finding.kind,
            "description": finding.details.get("message") or finding.summary,
            "alertId": alert_id(finding), "protocol": "ethereum",
            "severity": FORTA_SEVERITY.get(finding.severity.value, "Unknown"),
            "type": finding_type(finding), "metadata": metadata,
            "addresses": list(finding.entities), "labels": labels,
            "uniqueKey": f"hafeniq:{finding.detector}:{finding.dedup_key}",
            "source": {"chains": [{"chainId": finding.chain_id}] if finding.chain_id else [],
                       "transactions": [{"chainId": finding.chain_id, "hash": h}
                                        for h in finding.tx_hashes]},
            **({"findingId": finding_id} if finding_id is not None else {})}


def jsonl_line(finding: Finding, finding_id: int | None = None) -> str:
    """Our own shape (``Finding.as_dict`` plus the row id), one line."""
    return json.dumps({"finding_id": finding_id, **finding.as_dict()}, sort_keys=True,
                      default=str)
