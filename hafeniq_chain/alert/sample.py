"""A sample alert for ``hafeniq-chain alerts test``: the real payload shape, clearly marked
as a test, sent straight through each channel (not the outbox) so the operator sees every
channel's answer at once."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hafeniq_chain.alert.channels import Channel
from hafeniq_chain.alert.payload import IncidentView, alert_payload
from hafeniq_chain.core.actions import Action


def sample_payload(incident_id: int = 0) -> dict[str, Any]:
    """A medium-severity user-rule alert saying it is a test."""
    summary = "TEST from hafeniq-chain: ownership-transferred would look like this"
    explanation = [{"detector": "user_rules", "kind": "rule:ownership-transferred",
                    "log_odds": 3.2, "weight": 1.0, "score": 0.7, "reason_codes": ["USER_RULE"],
                    "deltas": [{"feature": "rule_match", "baseline": None, "observed": 1.0,
                                "description": "a test alert: nothing happened on chain"}],
                    "summary": summary}]
    view = IncidentView(incident_id, "test:alerts", 700, (650, 750), "high",
                        Action.ALERT_ONLY, ["USER_RULE"], ["0x" + "00" * 19 + "01"], summary,
                        explanation)
    return alert_payload("alert", view)


@dataclass(frozen=True)
class TestResult:
    channel: str
    ok: bool
    error: str
    seconds: float


async def send_samples(channels: Mapping[str, Channel]) -> list[TestResult]:
    """One sample through every channel; each channel's own outcome (never raises)."""
    results = []
    stamp = int(time.time())
    for name, channel in channels.items():
        started = time.monotonic()
        try:
            result = await channel.send(sample_payload(), f"hafeniq-test-{stamp}-{name}")
            ok, error = result.ok, result.error
        except Exception as exc:  # a broken channel is a result to print, not a crash
            ok, error = False, repr(exc)[:300]
        results.append(TestResult(name, ok, error, time.monotonic() - started))
    return results
