"""`hafeniq-chain backfill` as a user runs it: worker processes, a summary, safe to re-run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import asyncpg
import pytest
from web3 import Web3

from hafeniq_chain.chain.anvil import AnvilNode

pytestmark = pytest.mark.e2e
REPO = Path(__file__).resolve().parents[2]


def backfill(dsn: str, url: str, last: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hafeniq_chain", "--dsn", dsn, "backfill", "--from", "0",
         "--to", str(last), "--rpc", url, "--workers", "2"],
        capture_output=True, text=True, timeout=120, cwd=REPO)


async def test_backfill_command_indexes_then_resumes(anvil: AnvilNode, empty_dsn: str) -> None:
    w3 = Web3(Web3.HTTPProvider(anvil.http_url))
    a = w3.eth.accounts
    for i in range(12):
        w3.eth.send_transaction({"from": a[i % 3], "to": a[3 + i % 4], "value": 10 + i})
    first = backfill(empty_dsn, anvil.http_url, 12)
    assert first.returncode == 0, first.stderr[-3000:]
    assert "backfilled 13 blocks, 12 txs" in first.stderr
    assert "0 decode errors" in first.stderr
    again = backfill(empty_dsn, anvil.http_url, 12)
    assert again.returncode == 0 and "backfilled 0 blocks" in again.stderr
    conn = await asyncpg.connect(empty_dsn)
    try:
        assert await conn.fetchval("SELECT count(*) FROM blocks") == 13
        assert await conn.fetchval("SELECT sum(value) FROM transactions") == sum(
            10 + i for i in range(12))
    finally:
        await conn.close()
