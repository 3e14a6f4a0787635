"""The demo story in a few minutes: a real world, normal users, attacks, explained alerts.

Embedded PostgreSQL and Anvil start, the world deploys, benign traffic flows, every
labelled attack happens; the daemon's alerts appear as they would in Slack and arrive
signed at a local webhook receiver that verifies them; the run ends with the eval table.
"""

from __future__ import annotations

import secrets
import time
from pathlib import Path

from pydantic import SecretStr
from rich.console import Console
from rich.table import Table

from hafeniq_chain.alert.receiver import WebhookReceiver
from hafeniq_chain.chain.anvil import free_port
from hafeniq_chain.config import Settings
from hafeniq_chain.evaluation.render import report_tables
from hafeniq_chain.evaluation.suite import DEFAULT_DATA, evaluate
from hafeniq_chain.evaluation.world_run import default_scenarios

DEMO_BENIGN_TX = 1000


async def run_demo(settings: Settings, work: Path, console: Console,
                   benign_tx: int = DEMO_BENIGN_TX) -> list[Table]:
    """Run the story; returns the closing tables (delivery summary + evaluation)."""
    started = time.monotonic()
    secret = secrets.token_hex(16)
    receiver = WebhookReceiver(secret, free_port())
    await receiver.start()
    alerts = settings.alerts.model_copy(update={"webhook_url": SecretStr(receiver.url),
                                                "webhook_secret": SecretStr(secret)})
    try:
        report = await evaluate(settings.model_copy(update={"alerts": alerts}), work,
                                benign_tx, [1], default_scenarios(),
                                DEFAULT_DATA if DEFAULT_DATA.exists() else None,
                                console_alerts=True, progress=lambda m: console.rule(m))
    finally:
        await receiver.stop()
    delivered = Table(title="webhook receiver (local, HMAC-verified)")
    delivered.add_column("figure")
    delivered.add_column("value", justify="right")
    delivered.add_row("alerts received and verified", str(len(receiver.received)))
    delivered.add_row("duplicates dropped by idempotency key", str(receiver.duplicates))
    delivered.add_row("rejected (bad signature)", str(receiver.rejected))
    delivered.add_row("kinds", ", ".join(sorted({p["kind"] for p in receiver.received.values()})))
    silent = sorted(name for name in report.by_scenario if not report.alerted.get(name))
    delivered.add_row("attack scenarios with an alert",
                      f"{len(report.by_scenario) - len(silent)}/{len(report.by_scenario)}")
    delivered.add_row("scenarios without an alert", ", ".join(silent) or "none")
    delivered.add_row("demo time", f"{time.monotonic() - started:.0f} s")
    return [delivered, *report_tables(report)]
