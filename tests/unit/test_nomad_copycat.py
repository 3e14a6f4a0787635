"""Real Nomad exploit logs -> eth_logs reader -> copycat-wave detector."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from hafeniq_chain.detect.base import DetectionContext
from hafeniq_chain.detect.bridging import CopycatWaveDetector
from hafeniq_chain.detect.finding import Finding
from hafeniq_chain.replay.eth_logs import looks_like_eth_logs, read_eth_logs
from tests.support.nomad_eth_logs import nomad_eth_logs


def test_nomad_wave_alerts_early_and_groups(shared_data: Path, tmp_path: Path) -> None:
    path = tmp_path / "nomad.jsonl"
    path.write_text("\n".join(json.dumps(o) for o in nomad_eth_logs(shared_data)))
    assert looks_like_eth_logs(path)
    labels = json.loads((shared_data / "nomad/labels.json").read_text())
    exploit_txs = [t["tx"].lower() for t in labels["txs"]]
    det = CopycatWaveDetector()
    ctx = DetectionContext(chain_id=1)

    async def run() -> list[Finding]:
        out: list[Finding] = []
        for bundle in read_eth_logs(path):
            out.extend(await det.on_block(bundle, ctx))
        return out

    findings = asyncio.run(run())
    assert findings
    blocks = [int(t["block"]) for t in labels["txs"]]
    first_block = findings[0].block_to
    assert first_block is not None
    # index of the first alerting exploit tx: how many exploit txs had landed by then
    first_index = min(i for i, tx in enumerate(exploit_txs) if tx in findings[0].tx_hashes)
    print(f"nomad: first alert at exploit tx #{first_index + 1} (block {first_block})")
    assert first_index < 20 and blocks[first_index] == first_block
    keys = {f.details["correlation_key"] for f in findings}
    print(f"nomad: {len(findings)} findings, {len(keys)} correlation key(s)")
    assert len(keys) == 1
    flagged = {tx for f in findings for tx in f.tx_hashes}
    assert len(flagged & set(exploit_txs)) > len(exploit_txs) // 2
