"""Simulate a pending transaction on the node (``debug_traceCall`` with the callTracer).

Pre-inclusion detectors see calldata only; a bot trading through its own contract shows
nothing recognisable there. Tracing the call against the latest state reveals the inner
calls it would make. A reverting simulation still lists the calls made before the revert
(a back-run simulated before its front-run typically reverts inside the router), which is
exactly the intent wanted. Callers decide *when* this is worth a round trip.
"""

from __future__ import annotations

from typing import Any

from hafeniq_chain.chain.rpc import RpcClient
from hafeniq_chain.decode.records import PendingTxRecord


def _flatten(frame: dict[str, Any], out: list[tuple[str, bytes]]) -> None:
    to, data = frame.get("to"), str(frame.get("input") or "0x")
    if to:
        out.append((str(to).lower(), bytes.fromhex(data[2:])))
    for child in frame.get("calls") or ():
        _flatten(child, out)


class NodeSimulator:
    """``PendingSimulator`` backed by the node the daemon follows."""

    def __init__(self, rpc: RpcClient) -> None:
        self.rpc = rpc
        self.simulated = 0

    async def inner_calls(self, tx: PendingTxRecord) -> list[tuple[str, bytes]]:
        call: dict[str, Any] = {"from": tx.from_addr, "to": tx.to_addr,
                                "input": "0x" + tx.input.hex(), "value": hex(tx.value)}
        if tx.gas is not None:
            call["gas"] = hex(tx.gas)
        frame = await self.rpc.request("debug_traceCall",
                                       [call, "latest", {"tracer": "callTracer"}])
        self.simulated += 1
        out: list[tuple[str, bytes]] = []
        _flatten(frame or {}, out)
        return out
