"""`hafeniq-chain replay --jsonl` on a real mainnet block: documented lines + Postgres rows."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import asyncpg
import pytest

from tests.support.cli import run_cli

pytestmark = pytest.mark.e2e
JSONL_KEYS = {"schema_version", "finding_id", "detector", "kind", "block_number", "tx_hashes",
              "actors", "pool", "score", "confidence", "severity", "reason_codes", "summary",
              "details"}


async def replay(dsn: str, *args: str, within_s: float = 120
                 ) -> subprocess.CompletedProcess[str]:
    return await run_cli("--dsn", dsn, "replay", *args, within_s=within_s)


async def test_replay_jsonl_and_stored(shared_data: Path, empty_dsn: str) -> None:
    block = shared_data / "mev-inspect-py" / "blocks" / "12775690.json"
    expected = json.loads((shared_data / "mev-inspect-py" / "sandwiches" /
                           "12775690.json").read_text())[0]
    out = await replay(empty_dsn, str(block), "--jsonl")
    assert out.returncode == 0, out.stderr[-2000:]
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    sandwiches = [x for x in lines if x["kind"] == "sandwich"]
    assert len(sandwiches) == 1 and set(sandwiches[0]) == JSONL_KEYS
    s = sandwiches[0]
    assert s["tx_hashes"] == [expected["frontrun_swap"]["transaction_hash"],
                              *(v["transaction_hash"] for v in expected["sandwiched_swaps"]),
                              expected["backrun_swap"]["transaction_hash"]]
    assert s["actors"] == [expected["sandwicher_address"]]
    assert s["pool"] == expected["frontrun_swap"]["contract_address"]
    assert s["block_number"] == 12775690 and s["reason_codes"] == ["SANDWICH_FRONTRUN",
                                                                   "SANDWICH_BACKRUN"]
    conn = await asyncpg.connect(empty_dsn)
    try:
        assert await conn.fetchval("SELECT count(*) FROM blocks WHERE number = 12775690") == 1
        assert await conn.fetchval("SELECT count(*) FROM swaps") == 21
        assert await conn.fetchval("SELECT id FROM findings WHERE kind = 'sandwich'") == \
            s["finding_id"]
        again = await replay(empty_dsn, str(block), "--jsonl")
        assert again.returncode == 0
        assert await conn.fetchval("SELECT count(*) FROM findings") == len(lines)
    finally:
        await conn.close()


async def test_unknown_file_is_a_clear_error(tmp_path: Path, empty_dsn: str) -> None:
    bogus = tmp_path / "x.json"
    bogus.write_text('{"hello": 1}')
    out = await replay(empty_dsn, str(bogus))
    assert out.returncode == 2
    assert "not a recognised recording" in out.stderr


async def test_replay_honours_detector_config(shared_data: Path, empty_dsn: str,
                                              tmp_path: Path) -> None:
    """The same [detect] tables as `run`: switching a detector off, or naming the bot
    contract as a known router (an intermediary), changes what replay reports: the legs
    are then tied by the one account that sent both, which becomes the sandwicher."""
    block = shared_data / "mev-inspect-py" / "blocks" / "12775690.json"
    sandwicher = json.loads((shared_data / "mev-inspect-py" / "sandwiches" /
                             "12775690.json").read_text())[0]["sandwicher_address"]
    kinds = []
    for text in ("", '[detect]\ndisabled = ["sandwich"]\n',
                 f'[detect.sandwich]\nrouters = ["{sandwicher}"]\n'):
        config = tmp_path / "hafeniq.toml"
        config.write_text(text)
        out = await run_cli("--config", str(config), "--dsn", empty_dsn, "replay",
                            str(block), "--jsonl")
        assert out.returncode == 0, out.stderr[-2000:]
        kinds.append([(x["kind"], x["details"].get("tie"), x["actors"]) for x in
                      map(json.loads, out.stdout.splitlines())])
    sandwiches = [[k for k in run if k[0] == "sandwich"] for run in kinds]
    assert sandwiches[0] == [("sandwich", "contract", [sandwicher])]
    assert sandwiches[1] == []
    ((_, tie, actors),) = sandwiches[2]
    assert tie == "eoa" and actors != [sandwicher]


async def test_replay_of_every_shipped_recording_stores_every_block(
        shared_data: Path, empty_dsn: str, tmp_path: Path) -> None:
    """Issue 18.2: all 26 mev-inspect mainnet blocks in one run, plus one broken file. Seven
    recordings hold receipts with gas_used = 2^64-1 (stored as NULL, counted); the broken
    file is a counted skip that loses nothing else (exit status 2 says so)."""
    blocks = sorted((shared_data / "mev-inspect-py" / "blocks").glob("*.json"))
    assert len(blocks) == 26
    broken = tmp_path / "00000001.json"
    broken.write_text('{"block_number": 1, "traces": [')
    bad_gas = sum(1 for p in blocks for r in json.loads(p.read_text()).get("receipts", [])
                  if r["gas_used"] >= 2**63)
    assert bad_gas == 36
    out = await replay(empty_dsn, str(broken), *map(str, blocks), "--jsonl", within_s=300)
    assert out.returncode == 2, out.stderr[-3000:]
    assert "replay.file_skipped" in out.stderr and "00000001.json" in out.stderr
    assert f"{bad_gas} value(s) out of range stored as NULL" in out.stderr
    assert "skipped 1 file(s), 0 block(s)" in out.stderr
    assert "OverflowError" not in out.stderr
    conn = await asyncpg.connect(empty_dsn)
    try:
        stored = await conn.fetch("SELECT number FROM blocks ORDER BY number")
        assert [r["number"] for r in stored] == [int(p.stem) for p in blocks]
        assert await conn.fetchval("SELECT count(*) FROM transactions WHERE gas_used IS NULL "
                                   "AND block_number = 11930296") == 6
    finally:
        await conn.close()
