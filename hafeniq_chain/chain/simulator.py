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
from hafeniq_chain.decode.traces import calls_from_call_tracer


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
        # NOTE: not in any block yet, so the records' block number is a placeholder.
        calls = calls_from_call_tracer(frame or {}, tx.hash, 0, block_number=-1)
        return [(c.to_addr, c.input) for c in calls if c.to_addr]
