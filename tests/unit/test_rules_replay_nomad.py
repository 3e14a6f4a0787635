"""A user rule on real recorded data: the Nomad bridge exploit's ``Receive`` logs
(eth_getLogs, ../shared/data/nomad) replayed through the same pipeline as ``replay``.

"Alert me when the router releases 100 WBTC or more at once": the hits must be exactly the
exploit transactions whose WBTC receives reach 100 (counted independently from the
dataset's labels); the 12 smaller WBTC receives (0.01-3 WBTC) and every other token are the
near-misses.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from hafeniq_chain.config import load_settings
from hafeniq_chain.replay.eth_logs import read_eth_logs
from hafeniq_chain.replay.pipeline import replay_bundles
from tests.support.nomad_eth_logs import nomad_eth_logs

WBTC = "0x2260fac5e5542a773aa44fbcfedf7c193bc2c599"


def test_large_wbtc_release_rule_on_the_nomad_exploit(shared_data: Path,
                                                      tmp_path: Path) -> None:
    labels = json.loads((shared_data / "nomad" / "labels.json").read_text())
    router = labels["incident"]["bridge_router_proxy"]
    logs = tmp_path / "nomad.jsonl"
    logs.write_text("\n".join(json.dumps(o) for o in nomad_eth_logs(shared_data)))
    config = tmp_path / "rules.toml"
    config.write_text(f"""
[[watch]]
address = "{router}"
name = "nomad bridge router"

[[rule]]
name = "large-wbtc-release"
event = '''Receive(uint64 indexed originAndNonce, address indexed token,
    address indexed recipient, address liquidityProvider, uint256 amount)'''
addresses = ["nomad bridge router"]
where = "token == '{WBTC}' and amount >= units(100, 8)"
severity = "critical"
title = "{{contract_name}} released {{amount:units:8}} WBTC to {{recipient}}"
""")
    settings = load_settings(config)
    settings = settings.model_copy(update={"detect": settings.detect.model_copy(update={
        "disabled": ["bridge_drain", "copycat_wave", "fund_tracing", "drift"]})})

    async def run() -> list[tuple[str, str]]:
        return [(s.finding.tx_hashes[0], s.finding.summary)
                async for s in replay_bundles(read_eth_logs(logs), settings.detection(), None)
                if s.finding.detector == "user_rules"]

    hits = asyncio.run(run())
    expected = sorted({t["tx"].lower() for t in labels["txs"] for r in t["receives"]
                       if r["token"].lower() == WBTC and int(r["amount"]) >= 100 * 10**8})
    smaller = [t for t in labels["txs"] for r in t["receives"]
               if r["token"].lower() == WBTC and int(r["amount"]) < 100 * 10**8]
    assert len(smaller) == 12 and len(expected) == 8  # near-misses present in the data
    assert sorted({h for h, _ in hits}) == expected
    assert all(" WBTC to 0x" in s and s.startswith("nomad bridge router released ")
               for _, s in hits)
    print(f"large-wbtc-release: {len(hits)} hits in {len(expected)} exploit txs")
