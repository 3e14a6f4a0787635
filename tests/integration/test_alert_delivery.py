"""Outbox delivery to a real local webhook receiver that is down, then comes back."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from hafeniq_chain.alert.channels import WebhookChannel
from hafeniq_chain.alert.outbox import OutboxLoop
from hafeniq_chain.alert.receiver import WebhookReceiver
from hafeniq_chain.chain.anvil import free_port
from hafeniq_chain.core.finding import ConfidenceBand, Finding, Severity
from hafeniq_chain.core.policy import Policy
from hafeniq_chain.core.reasons import ReasonCode
from hafeniq_chain.fuse.engine import IncidentEngine

pytestmark = pytest.mark.integration
README = Path(__file__).resolve().parents[2] / "README.md"
SECRET = "s3cret-for-tests"


def readme_verifier() -> Any:
    text = README.read_text()
    code = re.search(r"<!-- verify-snippet -->\s*```python\n(.*?)```", text, re.S)
    assert code, "README lost its verification snippet"
    namespace: dict[str, Any] = {}
    exec(code.group(1), namespace)
    return namespace["verify_hafeniq_webhook"]


def finding(i: int) -> Finding:
    return Finding("drift", "1", "burst", 0.95, ConfidenceBand(0.9, 0.97), Severity.HIGH,
                   (ReasonCode.FLASH_BURST,), f"burst on contract {i}", f"k{i}",
                   entities=(f"0xcontract{i}",))


async def test_receiver_down_then_up_gets_every_alert_exactly_once(pool: asyncpg.Pool) -> None:
    engine = IncidentEngine(pool, Policy(), ["webhook"])
    for i in range(5):
        await engine.process([finding(i)])
    receiver = WebhookReceiver(SECRET, free_port())
    loop = OutboxLoop(pool, {"webhook": WebhookChannel(receiver.url, SECRET)},
                      backoff_base_s=0.01, backoff_max_s=0.05)
    await loop.run_once()  # receiver is down: every attempt fails, nothing is lost
    states = await pool.fetch("SELECT status, attempts, last_error FROM alert_deliveries")
    assert {s["status"] for s in states} == {"failed"} and len(states) == 5
    await receiver.start()
    try:
        for _ in range(50):
            if not await pool.fetchval("SELECT count(*) FROM alert_deliveries "
                                       "WHERE status <> 'sent'"):
                break
            await loop.run_once()
        # a crash between send and commit re-sends: simulate it by re-opening one row
        await pool.execute("UPDATE alert_deliveries SET status = 'pending' WHERE id = "
                           "(SELECT min(id) FROM alert_deliveries)")
        await loop.run_once()
    finally:
        await receiver.stop()
    assert len(receiver.received) == 5 and receiver.duplicates == 1
    assert receiver.rejected == 0
    keys = {r["idempotency_key"] for r in await pool.fetch(
        "SELECT idempotency_key FROM alert_deliveries")}
    assert set(receiver.received) == keys


async def test_dead_letter_after_max_attempts(pool: asyncpg.Pool) -> None:
    await IncidentEngine(pool, Policy(), ["webhook"]).process([finding(1)])
    loop = OutboxLoop(pool, {"webhook": WebhookChannel(f"http://127.0.0.1:{free_port()}/x",
                                                       SECRET)},
                      max_attempts=3, backoff_base_s=0.0, backoff_max_s=0.0)
    for _ in range(5):
        await loop.run_once()
    row = await pool.fetchrow("SELECT status, attempts FROM alert_deliveries")
    assert (row["status"], row["attempts"]) == ("dead", 3)


def test_documented_snippet_verifies_and_rejects_tampering() -> None:
    import time

    from hafeniq_chain.alert.signing import sign

    verify = readme_verifier()
    body = b'{"schema":"hafeniq.alert/v1"}'
    ts = str(int(time.time()))
    good = sign(SECRET, ts, body)
    assert verify(SECRET, ts, body, good)
    assert not verify(SECRET, ts, body.replace(b"v1", b"v2"), good)
    assert not verify("other", ts, body, good)
    old = str(int(time.time()) - 3600)
    assert not verify(SECRET, old, body, sign(SECRET, old, body))


async def test_reorged_alert_gets_one_retraction_follow_up(pool: asyncpg.Pool) -> None:
    from hafeniq_chain.store.reorg import remove_blocks_from

    engine = IncidentEngine(pool, Policy(), ["webhook"])
    f = Finding("sandwich", "1", "sandwich", 0.95, ConfidenceBand(0.9, 0.97), Severity.HIGH,
                (ReasonCode.SANDWICH_FRONTRUN,), "sandwich in block 7", "s7", chain_id=5,
                entities=("0xattacker",), block_from=7, block_to=7)
    await pool.execute("INSERT INTO chains (chain_id) VALUES (5)")
    await engine.process([f])
    receiver = WebhookReceiver(SECRET, free_port())
    await receiver.start()
    try:
        loop = OutboxLoop(pool, {"webhook": WebhookChannel(receiver.url, SECRET)})
        await loop.run_once()
        async with pool.acquire() as conn:
            assert await remove_blocks_from(conn, 5, 6)
        await loop.run_once()
        await loop.run_once()
    finally:
        await receiver.stop()
    kinds = sorted(p["kind"] for p in receiver.received.values())
    assert kinds == ["alert", "retraction"]
    assert await pool.fetchval("SELECT status FROM incidents") == "retracted"


async def test_new_alert_wakes_an_idle_outbox(pool: asyncpg.Pool) -> None:
    """An alert is delivered when it commits, not at the outbox's next idle poll."""
    receiver = WebhookReceiver(SECRET, free_port())
    await receiver.start()
    loop = OutboxLoop(pool, {"webhook": WebhookChannel(receiver.url, SECRET)})
    engine = IncidentEngine(pool, Policy(), ["webhook"], on_alert=loop.wakeup.set)
    stop = asyncio.Event()
    task = asyncio.create_task(loop.run(stop, idle_s=3600))  # it would sleep for an hour
    try:
        await asyncio.sleep(0.3)  # the loop found nothing and went idle
        await engine.process([finding(7)])
        for _ in range(400):  # up to 20 s, far below the hour the idle loop would sleep
            if receiver.received:
                break
            await asyncio.sleep(0.05)
    finally:
        stop.set()
        await task
        await receiver.stop()
    assert [p["incident"]["summary"] for p in receiver.received.values()] == [
        "burst on contract 7"]
