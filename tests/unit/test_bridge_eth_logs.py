"""eth_getLogs recorded-input reader: grouping, ordering and counted skips."""

from __future__ import annotations

import json
from pathlib import Path

from hafeniq_chain.replay.eth_logs import looks_like_eth_logs, read_eth_logs


def _log(block: int, tx: int, idx: int) -> dict[str, object]:
    return {
        "address": "0xAbC0000000000000000000000000000000000001",
        "topics": ["0x" + "11" * 32],
        "data": "0x" + "00" * 32,
        "blockNumber": hex(block),
        "transactionHash": "0x" + f"{tx:064x}",
        "transactionIndex": hex(tx),
        "logIndex": hex(idx),
    }


def test_reads_json_array_grouped_by_block(tmp_path: Path) -> None:
    path = tmp_path / "logs.json"
    path.write_text(json.dumps([_log(11, 2, 5), _log(10, 1, 3), _log(11, 1, 1)]))
    assert looks_like_eth_logs(path)
    bundles = list(read_eth_logs(path))
    assert [b.number for b in bundles] == [10, 11]
    assert all(b.source == "replay" for b in bundles)
    assert [lg.log_index for lg in bundles[1].logs] == [1, 5]
    assert bundles[0].logs[0].address == "0xabc0000000000000000000000000000000000001"


def test_jsonl_bad_lines_are_skipped(tmp_path: Path) -> None:
    path = tmp_path / "logs.jsonl"
    lines = [json.dumps(_log(5, 1, 0)), "not json", json.dumps({"address": "0x1"}),
             json.dumps(_log(5, 1, 0))]  # a duplicate of the first log
    path.write_text("\n".join(lines))
    bundles = list(read_eth_logs(path))
    assert len(bundles) == 1 and len(bundles[0].logs) == 1


def test_other_files_not_recognised(tmp_path: Path) -> None:
    path = tmp_path / "blocks.json"
    path.write_text(json.dumps([{"number": 1, "transactions": []}]))
    assert not looks_like_eth_logs(path)
