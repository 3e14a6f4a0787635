"""`hafeniq-chain replay` on the real Nomad exploit logs (eth_getLogs JSONL) into Postgres:
the drain and copycat-wave detectors alert within the first 20 exploit txs, one incident key."""

from __future__ import annotations

import json
from pathlib import Path

import asyncpg
import pytest

from tests.support.cli import run_cli
from tests.support.nomad_eth_logs import nomad_eth_logs

pytestmark = pytest.mark.e2e


@pytest.mark.timeout(300)
async def test_replay_nomad_logs_alerts_early_as_one_incident(shared_data: Path,
                                                              empty_dsn: str,
                                                              tmp_path: Path) -> None:
    path = tmp_path / "nomad.jsonl"
    path.write_text("\n".join(json.dumps(o) for o in nomad_eth_logs(shared_data)))
    out = await run_cli("--dsn", empty_dsn, "replay", str(path), "--jsonl", within_s=280)
    assert out.returncode == 0, out.stderr[-2000:]
    labels = json.loads((shared_data / "nomad/labels.json").read_text())
    order = {t["tx"].lower(): i for i, t in enumerate(labels["txs"])}
    conn = await asyncpg.connect(empty_dsn)
    try:
        rows = await conn.fetch("SELECT detector, tx_hashes, details->>'correlation_key' AS key "
                                "FROM findings ORDER BY id")
    finally:
        await conn.close()
    for detector in ("bridge_drain", "copycat_wave"):
        mine = [r for r in rows if r["detector"] == detector]
        assert mine, f"{detector} raised nothing"
        first = min(order[t] for t in mine[0]["tx_hashes"] if t in order)
        print(f"replay nomad: {detector} first alert at exploit tx #{first + 1}, "
              f"{len(mine)} findings")
        assert first < 20
    keys = {r["key"] for r in rows if r["detector"] in ("bridge_drain", "copycat_wave")}
    print(f"replay nomad: {len(rows)} findings, correlation keys {len(keys)}")
    assert len(keys) == 1
