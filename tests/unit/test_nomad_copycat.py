"""Real Nomad exploit logs -> eth_logs reader -> drain and copycat-wave detectors."""

from __future__ import annotations

import json
from pathlib import Path

from hafeniq_chain.core.finding import Finding
from hafeniq_chain.detect.base import DetectionContext
from hafeniq_chain.detect.bridge.bridge_drain import BridgeDrainDetector
from hafeniq_chain.detect.bridge.copycat_wave import CopycatWaveDetector
from hafeniq_chain.replay.eth_logs import looks_like_eth_logs, read_eth_logs
from tests.support.blocks import run_blocks
from tests.support.nomad_eth_logs import nomad_eth_logs


def _first_index(findings: list[Finding], exploit_txs: list[str]) -> int:
    """How many exploit txs had landed when the first finding named one of them."""
    return min(i for i, tx in enumerate(exploit_txs) if tx in findings[0].tx_hashes)


def test_nomad_wave_alerts_early_and_groups(shared_data: Path, tmp_path: Path) -> None:
    path = tmp_path / "nomad.jsonl"
    path.write_text("\n".join(json.dumps(o) for o in nomad_eth_logs(shared_data)))
    assert looks_like_eth_logs(path)
    labels = json.loads((shared_data / "nomad/labels.json").read_text())
    exploit_txs = [t["tx"].lower() for t in labels["txs"]]
    blocks = [int(t["block"]) for t in labels["txs"]]
    findings = run_blocks([BridgeDrainDetector(), CopycatWaveDetector()],
                          list(read_eth_logs(path)), DetectionContext(chain_id=1))
    waves = [f for f in findings if f.detector == "copycat_wave"]
    drains = [f for f in findings if f.detector == "bridge_drain"]
    assert waves and drains
    for name, found in (("copycat", waves), ("drain", drains)):
        first = _first_index(found, exploit_txs)
        print(f"nomad {name}: first alert at exploit tx #{first + 1} "
              f"(block {found[0].block_to}), {len(found)} findings")
        assert first < 20 and blocks[first] == found[0].block_to
    keys = {f.details["correlation_key"] for f in findings}
    print(f"nomad: {len(findings)} findings, {len(keys)} correlation key(s)")
    assert len(keys) == 1
    flagged = {tx for f in waves for tx in f.tx_hashes}
    assert len(flagged & set(exploit_txs)) > len(exploit_txs) // 2
    assert {f.details["escrow"] for f in drains} == {labels["incident"]["bridge_router_proxy"]}
