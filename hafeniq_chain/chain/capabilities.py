"""What the node can do, found at start-up and shown in the log and on ``/readyz``.

Nodes differ (Anvil, geth, Erigon, Reth, Hardhat, ganache): block receipts in one call or
per transaction, Parity traces or geth's callTracer or neither, full pending transactions
or hashes or no mempool feed. The daemon works with all of them by falling back; this
module says which path it is on, so an operator sees "receipts: per-transaction (slower)"
or "mempool: unavailable" instead of guessing from symptoms.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from hafeniq_chain.chain.rpc import MethodUnsupported, RpcClient, RpcError
from hafeniq_chain.chain.trace_source import TracesUnavailable, choose_trace_method
from hafeniq_chain.log import get_logger

log = get_logger(__name__)


@dataclass
class NodeCapabilities:
    """The answers of one probe (plus the live subscription state, filled in later)."""

    client: str | None = None
    chain_id: int | None = None
    head: int | None = None
    block_receipts: str = "unknown"  # "eth_getBlockReceipts" | "per-transaction" | "unknown"
    traces: str = "not requested"  # "trace_block" | "debug_traceBlockByNumber" | "unavailable"
    subscriptions: dict[str, Any] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


async def _optional(rpc: RpcClient, caps: NodeCapabilities, method: str,
                    params: list[Any]) -> Any:
    try:
        return await rpc.request(method, params)
    except MethodUnsupported:
        return None
    except RpcError as exc:
        caps.errors.append(f"{method}: {str(exc)[:120]}")
        return None


async def probe(rpc: RpcClient, *, fetch_traces: bool) -> NodeCapabilities:
    """Ask the node what it supports. Traces are probed only when wanted (tracing a busy
    head block is expensive); TracesUnavailable when they are wanted and missing."""
    caps = NodeCapabilities()
    caps.client = await _optional(rpc, caps, "web3_clientVersion", [])
    chain_id = await _optional(rpc, caps, "eth_chainId", [])
    caps.chain_id = int(chain_id, 16) if isinstance(chain_id, str) else None
    head = await _optional(rpc, caps, "eth_blockNumber", [])
    caps.head = int(head, 16) if isinstance(head, str) else None
    if caps.head is not None:
        try:
            await rpc.request("eth_getBlockReceipts", [hex(caps.head)])
            caps.block_receipts = "eth_getBlockReceipts"
        except RpcError:  # NOTE: every error here means the fallback path will be used
            caps.block_receipts = "per-transaction"
        if fetch_traces:
            try:
                caps.traces = await choose_trace_method(rpc, caps.head)
            except TracesUnavailable:
                caps.traces = "unavailable"
                raise
            except RpcError as exc:
                caps.traces = "unknown"
                caps.errors.append(f"traces: {str(exc)[:120]}")
    return caps
