"""Raw JSON-RPC answers -> write-ready rows: the CPU-bound half of a backfill.

Parsing ~300 KiB of JSON per busy block, decoding its logs and calls and building its
rows costs more Python time than fetching and writing it, so a backfill runs this in
worker processes (``prepare_raw`` takes and returns plain picklable data) while the
main process only talks to the node and to PostgreSQL. It is the same code the live
follower runs in-process (``normalize_block`` + ``prepare_batch``), so both paths
store identical rows.
"""

from __future__ import annotations

import gc
import pickle
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from hafeniq_chain.chain.rpc import block_calls, pair_blocks, parse_batch
from hafeniq_chain.chain.trace_source import PARITY, add_block_traces, trace_calls
from hafeniq_chain.decode.abi_registry import AbiRegistry
from hafeniq_chain.decode.normalize import normalize_block
from hafeniq_chain.metrics import REGISTRY
from hafeniq_chain.store.rows import PreparedBatch, prepare_batch

# NOTE: the sample of metrics.DECODE_ERRORS and every kind its users label it with.
_DECODE_ERRORS_SAMPLE = "hafeniq_decode_errors_total"
_DECODE_ERROR_KINDS = ("log", "call", "trace_transfer")
_worker_registry: AbiRegistry | None = None


@dataclass(frozen=True)
class RawBlocks:
    """Undecoded node answers for consecutive blocks (traces only when enabled)."""

    chain_id: int
    source: str
    numbers: list[int]
    blocks_body: bytes
    traces_body: bytes | None = None
    trace_method: str = PARITY


__all__ = ["RawBlocks", "prepare_raw", "trace_calls"]


def init_worker(registry: AbiRegistry) -> None:
    """Process-pool initializer: the registry is sent (and rebuilt) once per worker."""
    global _worker_registry
    _worker_registry = registry


def decode_errors_so_far() -> dict[str, int]:
    """This process's decode-error counts by kind (to take differences of)."""
    return {k: int(REGISTRY.get_sample_value(_DECODE_ERRORS_SAMPLE, {"kind": k}) or 0)
            for k in _DECODE_ERROR_KINDS}


def errors_since(before: dict[str, int]) -> dict[str, int]:
    after = decode_errors_so_far()
    return {k: after[k] - before[k] for k in _DECODE_ERROR_KINDS if after[k] > before[k]}


def prepare_raw(raw: RawBlocks, registry: AbiRegistry | None = None) -> PreparedBatch:
    """Parse, decode and build the rows of ``raw``; RpcError if the node answered an error.

    ``batch.decode_errors`` says how many logs/calls failed to decode here, so a caller
    in another process can add them to its own counters.
    """
    registry = registry or _worker_registry
    if registry is None:
        raise RuntimeError("prepare_raw needs a registry (init_worker was not called)")
    before = decode_errors_so_far()
    results = parse_batch([m for m, _ in block_calls(raw.numbers)], raw.blocks_body)
    bundles = [normalize_block(raw.chain_id, block, receipts, registry, source=raw.source)
               for block, receipts in pair_blocks(raw.numbers, results)]
    if raw.traces_body is not None:
        traces = parse_batch([raw.trace_method] * len(raw.numbers), raw.traces_body)
        for bundle, block_traces in zip(bundles, traces, strict=True):
            add_block_traces(bundle, block_traces, raw.trace_method, registry)
    batch = prepare_batch(bundles)
    batch.decode_errors = errors_since(before)
    return batch


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic GC while building or unpickling a batch's rows.

    NOTE: rows are hundreds of thousands of small acyclic objects; the collector kept
    re-scanning them (a third of prepare time, two thirds of unpickle time, profiled)
    while reference counting frees them anyway.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def prepare_raw_pickled(raw: RawBlocks) -> bytes:
    """``prepare_raw`` for a worker process: the batch comes back pickled, so the parent
    unpickles it in its own thread with the collector paused (``load_prepared``)."""
    with gc_paused():
        return pickle.dumps(prepare_raw(raw), protocol=pickle.HIGHEST_PROTOCOL)


def load_prepared(blob: bytes) -> PreparedBatch:
    with gc_paused():
        batch: PreparedBatch = pickle.loads(blob)
    return batch
