"""MEV detector time per block at mainnet density (goal: p99 < 50 ms).

Two sources, both timed through the detection pipeline with fresh detectors:

- the dense benign world: a fresh Anvil world, ``run_benign`` with 3,000 intents over
  0.05 h of chain time (~100 transactions per block, many swaps per pool), each block read
  back through the node's JSON-RPC and normalised as the follower does;
- the MEV variant generator's busy blocks (100-300 swaps, 300 wallets), 30 judge seeds.

Figures: p50/p99 of the MEV detectors together (sandwich, sandwich_cross_block,
sandwich_setup, mev_cluster, arbitrage, jit) and of every registered detector.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from web3 import Web3

from hafeniq_chain.decode.abi_registry import AbiRegistry
from hafeniq_chain.decode.normalize import normalize_block
from hafeniq_chain.decode.records import BlockBundle
from hafeniq_chain.detect.base import DetectionContext
from hafeniq_chain.detect.pipeline import DetectionPipeline
from hafeniq_chain.detect.registry import build_detectors
from hafeniq_chain.evaluation.mev_variants import JUDGE_SEEDS, make_case
from hafeniq_chain.world.state import build_world, start_world
from hafeniq_chain.world.traffic import run_benign

MEV = {"sandwich", "sandwich_cross_block", "sandwich_setup", "mev_cluster", "arbitrage",
       "jit"}


def _rpc(url: str, method: str, params: list[Any]) -> Any:
    r = httpx.post(url, json={"jsonrpc": "2.0", "id": 1, "method": method, "params": params},
                   timeout=30)
    r.raise_for_status()
    return r.json()["result"]


def _dense_world_blocks() -> list[BlockBundle]:
    with tempfile.TemporaryDirectory(prefix="hafeniq-mev-bench-") as tmp:
        node, manifest = start_world(build_world(Path(tmp) / "world"))
        try:
            w3 = Web3(Web3.HTTPProvider(node.http_url))
            stats = run_benign(w3, manifest, 15, 3_000, hours=0.05)
            registry = AbiRegistry.load()
            blocks = []
            for n in range(stats.first_block, stats.last_block + 1):
                raw = _rpc(node.http_url, "eth_getBlockByNumber", [hex(n), True])
                receipts = _rpc(node.http_url, "eth_getBlockReceipts", [hex(n)])
                blocks.append(normalize_block(31337, raw, receipts, registry))
            return blocks
        finally:
            node.stop()


async def _time(blocks: list[BlockBundle], only: set[str] | None) -> list[float]:
    detectors = [d for d in build_detectors() if only is None or d.name in only]
    pipeline = DetectionPipeline(detectors, DetectionContext(chain_id=blocks[0].chain_id))
    times = []
    for block in blocks:
        t0 = time.perf_counter()
        await pipeline.detect_block(block)
        times.append((time.perf_counter() - t0) * 1000)
    return times


def _figures(label: str, blocks: list[BlockBundle]) -> list[tuple[str, str]]:
    mev = np.array(asyncio.run(_time(blocks, MEV)))
    every = np.array(asyncio.run(_time(blocks, None)))
    txs = np.array([len(b.transactions) for b in blocks])
    swaps = np.array([len(b.swaps) for b in blocks])
    return [
        (f"{label}: blocks", f"{len(blocks)} (txs/block p50 {np.percentile(txs, 50):.0f}, "
                             f"swaps/block p50 {np.percentile(swaps, 50):.0f})"),
        (f"{label}: MEV detectors / block p50", f"{np.percentile(mev, 50):.2f} ms"),
        (f"{label}: MEV detectors / block p99", f"{np.percentile(mev, 99):.2f} ms "
                                                "(goal < 50 ms)"),
        (f"{label}: all detectors / block p99", f"{np.percentile(every, 99):.2f} ms"),
    ]


def run() -> list[tuple[str, str]]:
    world = [b for b in _dense_world_blocks() if len(b.transactions) >= 50]
    busy = [b for seed in JUDGE_SEEDS for b in make_case("busy_block", seed).blocks]
    return _figures("dense world", world) + _figures("generator busy blocks", busy)
