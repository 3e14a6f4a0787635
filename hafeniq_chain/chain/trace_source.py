"""Which tracing method a node has: Parity ``trace_block`` or geth's callTracer.

Erigon, Reth, Nethermind and Anvil answer ``trace_block``; geth (and nodes that only
ship the debug namespace) answer ``debug_traceBlockByNumber`` with the callTracer. Both
give the internal calls the detectors need, so ``fetch_traces`` uses whichever the node
has, decided once per process, and names the problem in one line when it has neither
instead of failing every block.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hafeniq_chain.chain.rpc import Call, MethodUnsupported, RpcClient
from hafeniq_chain.decode.abi_registry import AbiRegistry
from hafeniq_chain.decode.normalize import add_call_traces, add_traces
from hafeniq_chain.decode.records import BlockBundle
from hafeniq_chain.log import get_logger

log = get_logger(__name__)

PARITY = "trace_block"
CALL_TRACER = "debug_traceBlockByNumber"
_TRACER_OPTIONS = {"tracer": "callTracer"}


class TracesUnavailable(RuntimeError):
    """``fetch_traces`` is on but the node has no tracing method: a configuration error,
    not an outage (retrying cannot help)."""


def trace_calls(numbers: Sequence[int], method: str = PARITY) -> list[Call]:
    """The requests for the traces of ``numbers`` with ``method``."""
    if method == CALL_TRACER:
        return [(CALL_TRACER, [hex(n), _TRACER_OPTIONS]) for n in numbers]
    return [(PARITY, [hex(n)]) for n in numbers]


def add_block_traces(bundle: BlockBundle, traces: list[dict[str, Any]] | None, method: str,
                     registry: AbiRegistry) -> None:
    """Enrich ``bundle`` with the answer of ``method`` for its block."""
    if method == CALL_TRACER:
        add_call_traces(bundle, traces or [], registry)
    else:
        add_traces(bundle, traces or [], registry)


async def choose_trace_method(rpc: RpcClient, number: int) -> str:
    """``trace_block`` if the node has it, else the callTracer, else TracesUnavailable.

    Only "method not found" answers move on to the next method: any other error (an
    outage, a pruned block) is raised as is, to be retried like any RPC failure.
    """
    for method in (PARITY, CALL_TRACER):
        (name, params), = trace_calls([number], method)
        try:
            await rpc.request(name, params)
        except MethodUnsupported as exc:
            log.info("chain.trace_method_missing", method=method, error=str(exc)[:200])
            continue
        log.info("chain.trace_method", method=method)
        return method
    raise TracesUnavailable(
        "chain.fetch_traces is on but the node has neither trace_block nor "
        "debug_traceBlockByNumber (callTracer): use a node with tracing (Anvil, Erigon, "
        "Reth, Nethermind, geth with the debug API) or set chain.fetch_traces = false")
