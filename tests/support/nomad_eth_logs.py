"""Convert the real Nomad exploit dataset into standard eth_getLogs objects.

Why: the dataset ships decoded fields; the product replays raw logs. We
re-encode topics/data with eth-abi from the real event signatures:
Replica ``Process(bytes32 indexed messageHash, bool indexed success,
bytes indexed returnData)`` (indexed ``bytes`` is stored as its keccak hash,
which is what the dataset's ``returnData`` holds) and BridgeRouter
``Receive(uint64 indexed originAndNonce, address indexed token,
address indexed recipient, address liquidityProvider, uint256 amount)``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from eth_abi import encode
from eth_utils import keccak

PROCESS_TOPIC = "0x" + keccak(text="Process(bytes32,bool,bytes)").hex()
RECEIVE_TOPIC = "0x" + keccak(text="Receive(uint64,address,address,address,uint256)").hex()


def _word(typ: str, value: Any) -> str:
    return "0x" + encode([typ], [value]).hex()


def nomad_eth_logs(data_dir: Path) -> list[dict[str, Any]]:
    """All Process and Receive logs of the hack as eth_getLogs dicts, in chain order."""
    base = data_dir / "nomad"
    labels = json.loads((base / "labels.json").read_text())
    router = labels["incident"]["bridge_router_proxy"]
    out: list[dict[str, Any]] = []
    for ev in json.loads((base / "data/hack/process_events.json").read_text()):
        out.append({
            "address": ev["contractAddress"], "blockNumber": hex(ev["blockNumber"]),
            "blockHash": ev["blockHash"], "transactionHash": ev["transactionHash"],
            "transactionIndex": hex(ev["transactionIndex"]), "logIndex": hex(ev["logIndex"]),
            "topics": [PROCESS_TOPIC, ev["messageHash"], _word("bool", bool(int(ev["success"]))),
                       ev["returnData"]],
            "data": "0x",
        })
    for i, ev in enumerate(json.loads((base / "data/hack/receive_events.json").read_text())):
        out.append({
            "address": router, "blockNumber": hex(ev["blockNumber"]),
            "blockHash": ev["blockHash"], "transactionHash": ev["transactionHash"],
            "transactionIndex": hex(ev["transactionIndex"]),
            "logIndex": hex(ev.get("logIndex", 10_000 + i)),
            "topics": [RECEIVE_TOPIC, _word("uint64", int(ev["originAndNonce"], 16)),
                       _word("address", ev["tokenAddress"]),
                       _word("address", ev["tokenRecipient"])],
            "data": "0x" + encode(["address", "uint256"],
                                  [ev["liquidityProvider"], int(ev["amount"])]).hex(),
        })
    out.sort(key=lambda o: (int(o["blockNumber"], 16), int(o["transactionIndex"], 16),
                            int(o["logIndex"], 16)))
    return out
