"""Issue 18.7: during a PostgreSQL outage the daemon's stderr stays one JSON object per
line; asyncpg's "Failed to restore the pool connection floor" tracebacks included."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from urllib.parse import urlsplit

import pytest

from hafeniq_chain.chain.anvil import AnvilNode, free_port
from tests.e2e.test_daemon_resilience import send, wait_indexed
from tests.support.cli import REPO
from tests.support.tcp_proxy import CuttableProxy, unix_socket_of

pytestmark = pytest.mark.e2e


async def test_database_outage_keeps_the_log_stream_json(anvil: AnvilNode,
                                                         empty_dsn: str) -> None:
    proxy = CuttableProxy(unix_socket_of(empty_dsn), free_port())
    await proxy.restore()
    database = urlsplit(empty_dsn).path
    dsn = f"postgresql://postgres@127.0.0.1:{proxy.port}{database}"
    env = {**os.environ, "HAFENIQ_CHAIN__POLL_INTERVAL_S": "0.2", "HAFENIQ_API__ENABLED": "false",
           "HAFENIQ_STORE__POOL_MIN": "2"}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "hafeniq_chain", "--dsn", dsn, "run", "--rpc", anvil.ws_url,
        "--from", "0", cwd=REPO, env=env, stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE)
    try:
        await wait_indexed(dsn, send(anvil, 3), within_s=60)
        await proxy.cut()
        send(anvil, 3)  # blocks keep coming while the database is away
        await asyncio.sleep(4.0)
        assert proc.returncode is None, "the daemon must ride out the outage"
        await proxy.restore()
        await wait_indexed(dsn, send(anvil, 2), within_s=60)
    finally:
        proc.terminate()
        _, err = await asyncio.wait_for(proc.communicate(), 30)
        await proxy.cut()
    lines = [line for line in err.decode().splitlines() if line.strip()]
    events = []
    for line in lines:
        try:
            events.append(json.loads(line))
        except json.JSONDecodeError:
            raise AssertionError(f"not a JSON line in the daemon's stderr: {line!r}") from None
    names = [e.get("event") for e in events]
    assert "daemon.started" in names and "daemon.stopped" in names
    outage = [e for e in events if e.get("level") in ("warning", "error")
              and e.get("event") in ("daemon.stage_failed", "store.pool_reconnect_failed")]
    assert outage, names  # the outage was seen and logged, as JSON
    floor = [e for e in events if e.get("event") == "store.pool_reconnect_failed"]
    assert floor and all(e["logger"] == "asyncpg.pool" and e["error"] for e in floor), names
    assert not any("Traceback" in str(e.get("event")) for e in events)
