"""Channel renderings on plain data: size limits under hostile input, Standard Webhooks
signatures checked by the reference package, routing, secret validation."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from pydantic import SecretStr, ValidationError
from standardwebhooks.webhooks import Webhook

from hafeniq_chain.alert.discord import discord_message
from hafeniq_chain.alert.pagerduty import pagerduty_event
from hafeniq_chain.alert.routing import ChannelRouter
from hafeniq_chain.alert.sample import sample_payload
from hafeniq_chain.alert.signing import standard_signature
from hafeniq_chain.alert.telegram import telegram_text
from hafeniq_chain.core.settings import AlertSettings, ChannelRoute
from tests.support.providers import _discord_problems, _telegram_problems

SECRET = "whsec_" + base64.b64encode(b"k" * 32).decode()


def _huge() -> dict[str, Any]:
    payload = sample_payload(7)
    incident = payload["incident"]
    incident["summary"] = "<script>&" * 3000
    incident["entities"] = [f"0x{i:040x}" for i in range(500)]
    reason = dict(incident["explanation"][0], summary="é<b>" * 2000)
    incident["explanation"] = [reason] * 40
    payload["tx_hashes"] = [f"0x{i:064x}" for i in range(500)]
    return payload


def test_discord_and_telegram_stay_inside_documented_limits() -> None:
    assert _discord_problems(discord_message(_huge())) == []
    problems, text = _telegram_problems({"chat_id": "1", "text": telegram_text(_huge()),
                                         "parse_mode": "HTML"})
    assert problems == [] and text.startswith("[HIGH] <script>&")


def test_pagerduty_maps_severities_and_resolves_retractions() -> None:
    event = pagerduty_event(sample_payload(3), "k" * 32)
    assert event["payload"]["severity"] == "error" and event["dedup_key"] == (
        "hafeniq-incident-3")
    retraction = dict(sample_payload(3), kind="retraction")
    assert pagerduty_event(retraction, "k" * 32) == {
        "routing_key": "k" * 32, "event_action": "resolve", "dedup_key": "hafeniq-incident-3"}


def test_standard_webhooks_signature_verifies_with_the_reference_package() -> None:
    body = json.dumps(sample_payload()).encode()
    headers = {"webhook-id": "msg_1", "webhook-timestamp": str(int(__import__("time").time())),
               "webhook-signature": ""}
    headers["webhook-signature"] = standard_signature(SECRET, "msg_1",
                                                      headers["webhook-timestamp"], body)
    assert Webhook(SECRET).verify(body, headers)["schema"] == "hafeniq.alert/v1"


def test_standard_signing_needs_a_standard_secret() -> None:
    with pytest.raises(ValidationError, match="whsec_"):
        AlertSettings(webhook_signing="standard", webhook_secret=SecretStr("plain"))
    assert AlertSettings(webhook_signing="both", webhook_secret=SecretStr(SECRET))


def test_routing_by_severity_rule_and_rule_channels() -> None:
    router = ChannelRouter(["slack", "pagerduty", "opsgenie"], {
        "pagerduty": ChannelRoute(min_severity="critical"),
        "opsgenie": ChannelRoute(rules=["ownership-*"])})
    high_rule = sample_payload()  # high, rule ownership-transferred
    assert router(high_rule) == ["slack", "opsgenie"]
    detector_alert = sample_payload()
    detector_alert["incident"]["explanation"][0].update(detector="drift", kind="burst")
    assert router(detector_alert) == ["slack"]  # opsgenie takes only its rules
    only_slack = ChannelRouter(["slack", "pagerduty"], {},
                               {"ownership-transferred": ["pagerduty"]})
    assert only_slack(high_rule) == ["pagerduty"]
