"""Serve a recorded chain from its own process for the throughput benchmarks.

``hafeniq_chain.chain.recorded_node`` answers what our follower and ethereum-etl ask;
cryo's ``logs`` dataset asks ``eth_getLogs`` over block ranges, which a benchmark node
needs and the tests' node does not, so it is added here: every recorded log of the
revealed blocks in the range (address and topic filters as ``eth_subscribe("logs")``
applies them), answered from the bytes the node serialised once at start.

``python -m bench.recorded_serve DIR --port P`` prints one line when it serves.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from typing import Any

from hafeniq_chain.chain.recorded_blocks import load_dir
from hafeniq_chain.chain.recorded_node import NodeProfile, RecordedNode
from hafeniq_chain.chain.recorded_state import RecordedIndex, RpcFailure


def get_logs(index: RecordedIndex, params: list[Any]) -> bytes:
    """``eth_getLogs`` over ``fromBlock..toBlock`` (numbers or tags) of the recorded chain."""
    wanted = params[0] if params and isinstance(params[0], dict) else {}
    if wanted.get("blockHash"):
        first = last = index.by_hash.get(str(wanted["blockHash"]).lower())
        if first is None:
            return b"[]"
    else:
        first = index._number(wanted.get("fromBlock", "latest"))
        last = index._number(wanted.get("toBlock", "latest"))
    if first is None or last is None:
        raise RpcFailure(-32602, "invalid block range")
    parts = [raw for n in range(first, min(last, index.head) + 1) if index.visible(n)
             for raw, log in index.logs_of(n) if index.log_matches(log, wanted)]
    return b"[" + b",".join(parts) + b"]"


def serve(directory: str, port: int, chain_id: int) -> None:
    blocks = load_dir(directory)
    node = RecordedNode(blocks, profile=NodeProfile(chain_id=chain_id), port=port,
                        revealed=len(blocks))
    node.index._methods["eth_getLogs"] = lambda p: get_logs(node.index, p)

    async def forever() -> None:
        async with node:
            print(f"serving {len(blocks)} blocks on {node.http_url}", flush=True)
            await asyncio.Event().wait()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(forever())


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--chain-id", type=int, default=1)
    args = parser.parse_args()
    serve(args.directory, args.port, args.chain_id)
