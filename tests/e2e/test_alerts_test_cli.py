"""``hafeniq-chain alerts test`` as a user runs it, secrets in the environment, against the
local provider receivers; the webhook signed with Standard Webhooks and verified by the
``standardwebhooks`` reference package."""

from __future__ import annotations

import base64
import os

import pytest

from hafeniq_chain.chain.anvil import free_port
from tests.support.cli import run_cli
from tests.support.providers import ProviderReceiver

pytestmark = pytest.mark.e2e
SECRET = "whsec_" + base64.b64encode(bytes(range(32))).decode()


async def test_alerts_test_reports_every_channel(monkeypatch: pytest.MonkeyPatch) -> None:
    receiver = ProviderReceiver(free_port(), standard_secret=SECRET)
    await receiver.start()
    closed = free_port()
    env = {
        "HAFENIQ_ALERTS__DISCORD__WEBHOOK_URL": f"{receiver.base}/discord/webhook",
        "HAFENIQ_ALERTS__PAGERDUTY__ROUTING_KEY": "R0123456789ABCDEF0123456789ABCDE",
        "HAFENIQ_ALERTS__PAGERDUTY__EVENTS_URL": f"{receiver.base}/v2/enqueue",
        "HAFENIQ_ALERTS__OPSGENIE__API_KEY": "og",
        "HAFENIQ_ALERTS__OPSGENIE__API_URL": f"http://127.0.0.1:{closed}",  # nobody there
        "HAFENIQ_ALERTS__WEBHOOK_URL": f"{receiver.base}/standard-webhook",
        "HAFENIQ_ALERTS__WEBHOOK_SECRET": SECRET,
        "HAFENIQ_ALERTS__WEBHOOK_SIGNING": "standard",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    try:
        every = await run_cli("alerts", "test")
        assert every.returncode == 1, every.stderr  # one channel failed
        lines = dict(line.split(": ", 1) for line in every.stdout.strip().splitlines())
        assert set(lines) == {"webhook", "discord", "pagerduty", "opsgenie"}
        assert all(lines[c].startswith("ok") for c in ("webhook", "discord", "pagerduty"))
        assert lines["opsgenie"].startswith("failed: transport")
        assert len(receiver.standard) == 1 and receiver.refused == []
        (body,) = receiver.standard.values()
        assert body["schema"] == "hafeniq.alert/v1"
        assert receiver.pagerduty[0]["payload"]["summary"].startswith("[HIGH] TEST")

        some = await run_cli("alerts", "test", "--channel", "discord")
        assert some.returncode == 0 and some.stdout.startswith("discord: ok")
    finally:
        await receiver.stop()
        for key in env:
            os.environ.pop(key, None)
