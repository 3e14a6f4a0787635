"""Discord, Telegram, PagerDuty, Opsgenie and e-mail through the real outbox and PostgreSQL,
against local receivers that refuse anything outside each provider's documented shape
(``tests/support/providers.py``); routing by severity and rule; retraction resolves the
PagerDuty incident and closes the Opsgenie alert."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from pydantic import SecretStr

from hafeniq_chain.alert.channels import channels_from_settings
from hafeniq_chain.alert.enqueue import store_alert
from hafeniq_chain.alert.outbox import OutboxLoop
from hafeniq_chain.alert.payload import IncidentView, alert_payload
from hafeniq_chain.alert.routing import ChannelRouter
from hafeniq_chain.chain.anvil import free_port
from hafeniq_chain.core.actions import Action
from hafeniq_chain.core.settings import AlertSettings, ChannelRoute
from tests.support.providers import ProviderReceiver, SmtpRelay, self_signed_cert

pytestmark = pytest.mark.integration
TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsawq"
ROUTING_KEY = "R0123456789ABCDEF0123456789ABCDE"


def _payload(incident: int, severity: str, summary: str, rule: str | None = None,
             entities: int = 3) -> dict[str, Any]:
    explanation = [{"detector": "user_rules" if rule else "drift",
                    "kind": f"rule:{rule}" if rule else "burst", "log_odds": 3.1, "weight": 1.0,
                    "score": 0.9, "reason_codes": ["USER_RULE" if rule else "FLASH_BURST"],
                    "deltas": [{"feature": "rule_match", "baseline": None, "observed": 1.0,
                                "description": "x < y & <b>not a tag</b> " * 60}],
                    "summary": summary}] * 7
    view = IncidentView(incident, f"rule:{rule}:0xabc", 900, (850, 950), severity,
                        Action.QUARANTINE, ["USER_RULE"], [f"0x{i:040x}" for i in
                                                           range(entities)],
                        summary, explanation)
    return alert_payload("alert", view, [f"0x{i:064x}" for i in range(30)])


async def _incidents(pool: asyncpg.Pool, *ids: int) -> None:
    for i in ids:
        await pool.execute("INSERT INTO incidents (id, correlation_key, risk_score, "
                           "confidence_low, confidence_high, severity, action) VALUES "
                           "($1, $2, 900, 850, 950, 'critical', 'quarantine')", i, f"k{i}")


async def _deliver(outbox: OutboxLoop, pool: asyncpg.Pool) -> None:
    for _ in range(20):
        await outbox.run_once()
        pending = await pool.fetchval("SELECT count(*) FROM alert_deliveries "
                                      "WHERE status IN ('pending', 'failed')")
        if not pending:
            return
        await asyncio.sleep(0.1)


async def test_every_provider_gets_a_valid_message_and_retractions_resolve(
        pool: asyncpg.Pool, tmp_path: Path) -> None:
    receiver = ProviderReceiver(free_port(), discord_rate_limit_once=True)
    await receiver.start()
    cert, key = self_signed_cert(tmp_path)
    smtp_port = free_port()
    alerts = AlertSettings.model_validate({
        "discord": {"webhook_url": SecretStr(f"{receiver.base}/discord/webhook")},
        "telegram": {"bot_token": SecretStr(TOKEN), "chat_id": "-100200300",
                     "api_url": receiver.base},
        "pagerduty": {"routing_key": SecretStr(ROUTING_KEY),
                      "events_url": f"{receiver.base}/v2/enqueue"},
        "opsgenie": {"api_key": SecretStr("og-key"), "api_url": receiver.base},
        "email": {"host": "127.0.0.1", "port": smtp_port, "ca_file": cert,
                  "sender": "hafeniq <alerts@example.org>", "to": ["secops@example.org"]},
        "routes": {"pagerduty": ChannelRoute(min_severity="high"),
                   "opsgenie": ChannelRoute(rules=["ownership-*", "proxy-*"])},
    })
    channels = channels_from_settings(alerts)
    assert sorted(channels) == ["discord", "email", "opsgenie", "pagerduty", "telegram"]
    router = ChannelRouter(list(channels), alerts.routes, {"paused": ["telegram", "email"]})
    long_summary = "Ownership of <Vault & Co> transferred " + "to 0xbeef " * 200
    high = _payload(1, "critical", long_summary, rule="ownership-transferred", entities=40)
    low = _payload(2, "medium", "Transfer just noticed", rule="large-treasury-transfer")
    paused = _payload(3, "high", "vault paused", rule="paused")
    try:
        with SmtpRelay(smtp_port, cert, key) as relay:
            await _incidents(pool, 1, 2, 3)
            async with pool.acquire() as conn:
                # the router itself (as the off-chain engine gets it) or its answer
                ids = [await store_alert(conn, p, router if p is low else router(p),
                                         p["incident"]["summary"]) for p in (high, low, paused)]
            assert router(high) == ["discord", "telegram", "pagerduty", "opsgenie", "email"]
            assert router(low) == ["discord", "telegram", "email"]  # below PD's high, not OG's rule
            assert router(paused) == ["telegram", "email"]  # the rule's own channels
            outbox = OutboxLoop(pool, channels, backoff_base_s=0.01, backoff_max_s=0.05)
            await _deliver(outbox, pool)
            rows = await pool.fetch("SELECT channel, status, attempts, last_error FROM "
                                    "alert_deliveries ORDER BY id")
            assert receiver.refused == [] and relay.refused == []
            assert {r["status"] for r in rows} == {"sent"}, rows
            discord_attempts = [r["attempts"] for r in rows if r["channel"] == "discord"]
            assert discord_attempts[0] == 2  # 429 with retry_after, then delivered
            assert len(receiver.discord) == 2 and len(receiver.telegram) == 3
            assert receiver.telegram[0].startswith("[CRITICAL] Ownership of <Vault & Co>")
            assert [e["event_action"] for e in receiver.pagerduty] == ["trigger"]
            assert receiver.pagerduty[0]["payload"]["severity"] == "critical"
            assert list(receiver.opsgenie_open) == ["hafeniq-incident-1"]
            assert len(relay.messages) == 3
            mail = relay.messages[0]
            assert mail["To"] == "secops@example.org"
            assert mail["Message-ID"] == f"<hafeniq-alert-{ids[0]}-email@example.org>"
            assert "Ownership of <Vault & Co>" in mail.get_content()

            # the first alert is retracted (reorg): PagerDuty resolves, Opsgenie closes, and
            # only channels that got the alert hear about it
            await pool.execute("UPDATE alerts SET retracted = true WHERE id = $1", ids[0])
            await _deliver(outbox, pool)
            assert [e["event_action"] for e in receiver.pagerduty] == ["trigger", "resolve"]
            assert receiver.pagerduty[1]["dedup_key"] == "hafeniq-incident-1"
            assert receiver.opsgenie_open == {} and receiver.opsgenie_closed == [
                "hafeniq-incident-1"]
            retraction_channels = await pool.fetch(
                "SELECT d.channel FROM alert_deliveries d JOIN alerts a ON a.id = d.alert_id "
                "WHERE a.kind = 'retraction' ORDER BY d.id")
            assert [r["channel"] for r in retraction_channels] == [
                "discord", "telegram", "pagerduty", "opsgenie", "email"]
            assert receiver.telegram[-1].startswith("RETRACTED")
    finally:
        await receiver.stop()


async def test_a_provider_refusal_is_retried_then_dead_lettered(pool: asyncpg.Pool) -> None:
    """A PagerDuty key of the wrong shape: 400 every time -> dead after max_attempts."""
    receiver = ProviderReceiver(free_port())
    await receiver.start()
    try:
        alerts = AlertSettings.model_validate({"pagerduty": {
            "routing_key": SecretStr("too-short"), "events_url": f"{receiver.base}/v2/enqueue"}})
        channels = channels_from_settings(alerts)
        await _incidents(pool, 9)
        async with pool.acquire() as conn:
            await store_alert(conn, _payload(9, "high", "x"), list(channels), "x")
        outbox = OutboxLoop(pool, channels, max_attempts=3, backoff_base_s=0.01,
                            backoff_max_s=0.02)
        await _deliver(outbox, pool)
        row = await pool.fetchrow("SELECT status, attempts, last_error FROM alert_deliveries")
        assert (row["status"], row["attempts"]) == ("dead", 3)
        assert "routing_key must be 32 characters" in row["last_error"]
    finally:
        await receiver.stop()
