"""Block Kit rendering of an alert, kept inside Slack's documented structure limits.

Limits honoured: at most 50 blocks per message, section text at most 3000 characters,
header text at most 150, context elements at most 10, fallback ``text`` kept short.

Every piece of alert text placed in a mrkdwn field (and the fallback ``text``, which Slack
also reads as mrkdwn) is escaped as Slack documents: ``&`` ``<`` ``>`` become ``&amp;``
``&lt;`` ``&gt;``, so a summary such as "a < b & <!channel>" is shown, never interpreted as
a link or a mention. The header is ``plain_text`` and stays literal.
"""

from __future__ import annotations

from typing import Any

MAX_BLOCKS = 50
MAX_SECTION_TEXT = 3000
MAX_HEADER_TEXT = 150
MAX_CONTEXT_ELEMENTS = 10
EMOJI = {"critical": ":rotating_light:", "high": ":red_circle:", "medium": ":large_orange_circle:",
         "low": ":large_yellow_circle:", "info": ":information_source:"}


def mrkdwn_escape(text: object) -> str:
    """Slack's three control characters escaped (``&`` first)."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _clip(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:]:  # never cut an escape such as "&amp;" in half
        cut = cut[:amp]
    return cut + "…"


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": _clip(text, MAX_SECTION_TEXT)}}


def slack_message(payload: dict[str, Any]) -> dict[str, Any]:
    """The incoming-webhook body for one alert payload (schema hafeniq.alert/v1)."""
    incident = payload["incident"]
    severity = incident["severity"]
    header = f"{EMOJI.get(severity, '')} {severity.upper()} {payload['kind']}: " \
             f"{incident['summary'] or incident['correlation_key']}"
    esc = mrkdwn_escape
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": _clip(header, MAX_HEADER_TEXT)}},
        _section(f"*Risk* {incident['risk_score']}/1000 (band {incident['confidence'][0]}–"
                 f"{incident['confidence'][1]})  •  *Recommended action* "
                 f"`{esc(incident['action'])}`"),
    ]
    for reason in incident["explanation"][:5]:
        deltas = "; ".join(esc(d["description"]) for d in reason["deltas"][:4])
        blocks.append(_section(f"*{esc(', '.join(reason['reason_codes']))}* "
                               f"({esc(reason['detector'])}, +{reason['log_odds']} log-odds)\n"
                               f"{esc(reason['summary'])}\n{deltas}"))
    blocks.append({"type": "context", "elements": [
        {"type": "mrkdwn", "text": _clip(f"`{esc(e)}`", 200)}
        for e in incident["entities"][:MAX_CONTEXT_ELEMENTS]]} if incident["entities"]
        else _section("_no entities_"))
    txs = payload.get("tx_hashes", [])
    if txs:
        blocks.append(_section("*Transactions*\n" + "\n".join(f"`{esc(h)}`" for h in txs[:20])))
    return {"text": _clip(esc(header), 300), "blocks": blocks[:MAX_BLOCKS]}
