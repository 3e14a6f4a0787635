"""Block Kit rendering of an alert, kept inside Slack's documented structure limits.

Limits honoured: at most 50 blocks per message, section text at most 3000 characters,
header text at most 150, context elements at most 10, fallback ``text`` kept short.
"""

from __future__ import annotations

from typing import Any

MAX_BLOCKS = 50
MAX_SECTION_TEXT = 3000
MAX_HEADER_TEXT = 150
MAX_CONTEXT_ELEMENTS = 10
EMOJI = {"critical": ":rotating_light:", "high": ":red_circle:", "medium": ":large_orange_circle:",
         "low": ":large_yellow_circle:", "info": ":information_source:"}


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": _clip(text, MAX_SECTION_TEXT)}}


def slack_message(payload: dict[str, Any]) -> dict[str, Any]:
    """The incoming-webhook body for one alert payload (schema hafeniq.alert/v1)."""
    incident = payload["incident"]
    severity = incident["severity"]
    header = f"{EMOJI.get(severity, '')} {severity.upper()} {payload['kind']}: " \
             f"{incident['summary'] or incident['correlation_key']}"
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": _clip(header, MAX_HEADER_TEXT)}},
        _section(f"*Risk* {incident['risk_score']}/1000 (band {incident['confidence'][0]}–"
                 f"{incident['confidence'][1]})  •  *Recommended action* `{incident['action']}`"),
    ]
    for reason in incident["explanation"][:5]:
        deltas = "; ".join(d["description"] for d in reason["deltas"][:4])
        blocks.append(_section(f"*{', '.join(reason['reason_codes'])}* ({reason['detector']}, "
                               f"+{reason['log_odds']} log-odds)\n{reason['summary']}\n{deltas}"))
    blocks.append({"type": "context", "elements": [
        {"type": "mrkdwn", "text": _clip(f"`{e}`", 200)}
        for e in incident["entities"][:MAX_CONTEXT_ELEMENTS]]} if incident["entities"]
        else _section("_no entities_"))
    txs = payload.get("tx_hashes", [])
    if txs:
        blocks.append(_section("*Transactions*\n" + "\n".join(f"`{h}`" for h in txs[:20])))
    return {"text": _clip(header, 300), "blocks": blocks[:MAX_BLOCKS]}
