"""Slack mrkdwn escaping: &, < and > in alert text are shown, never read as markup."""

from __future__ import annotations

from typing import Any

from hafeniq_chain.alert.slack import MAX_SECTION_TEXT, mrkdwn_escape, slack_message


def _payload(summary: str, delta: str = "ok") -> dict[str, Any]:
    return {"schema": "hafeniq.alert/v1", "kind": "alert", "tx_hashes": ["0x<tx>"],
            "incident": {"id": 1, "correlation_key": "k", "risk_score": 700,
                         "confidence": [600, 800], "severity": "high", "action": "alert_only",
                         "reason_codes": ["FLASH_BURST"], "entities": ["<!channel>"],
                         "summary": summary,
                         "explanation": [{"detector": "drift", "kind": "contract_drift",
                                          "log_odds": 2.0, "weight": 1.0, "score": 0.7,
                                          "reason_codes": ["FLASH_BURST"], "summary": summary,
                                          "deltas": [{"description": delta}]}]}}


def _mrkdwn_texts(message: dict[str, Any]) -> list[str]:
    texts = [message["text"]]
    for block in message["blocks"]:
        if block["type"] == "section":
            texts.append(block["text"]["text"])
        elif block["type"] == "context":
            texts += [e["text"] for e in block["elements"]]
    return texts


def test_escape_order() -> None:
    assert mrkdwn_escape("a&b<c>d &amp;") == "a&amp;b&lt;c&gt;d &amp;amp;"


def test_summary_with_markup_is_escaped_everywhere() -> None:
    summary = "USDC & DAI: price < 0.9 > peg <https://evil.example|click> <!here>"
    message = slack_message(_payload(summary, delta="gas 5 < 10 & rising"))
    texts = _mrkdwn_texts(message)
    for text in texts:
        assert "<" not in text and ">" not in text
        assert "&" not in text.replace("&amp;", "").replace("&lt;", "").replace("&gt;", "")
    joined = "\n".join(texts)
    assert "USDC &amp; DAI: price &lt; 0.9 &gt; peg" in joined
    assert "gas 5 &lt; 10 &amp; rising" in joined and "&lt;!channel&gt;" in joined
    header = next(b for b in message["blocks"] if b["type"] == "header")
    assert "USDC & DAI" in header["text"]["text"]  # plain_text: literal


def test_clipping_never_cuts_an_escape_in_half() -> None:
    message = slack_message(_payload("&" * 5000))
    for text in _mrkdwn_texts(message):
        assert len(text) <= MAX_SECTION_TEXT
        body = text.rstrip("…")
        assert not body.endswith(("&", "&a", "&am", "&amp"))
