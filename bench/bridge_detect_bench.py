"""Per-block time of the bridge and liquidity detectors on busy synthetic blocks.

Run alone with ``.venv/bin/python -m bench.bridge_detect_bench [N_BLOCKS]``; prints p50/p99
per block for bridge_drain + copycat_wave + fund_tracing + liquidity_rug together. Blocks
carry 100 transactions each: token transfers among 5,000 wallets, relayed bridge releases,
Uniswap V2 swaps on 20 pools, and 200 live fund traces, so every code path does work.
The target (issue 6) is p99 under 50 ms.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import sys
import time

from eth_abi import encode
from eth_utils.crypto import keccak

from hafeniq_chain.decode.records import BlockBundle, LogRecord, TransferRecord, TxRecord
from hafeniq_chain.decode.swaps import V2_SWAP
from hafeniq_chain.detect.base import DetectionContext
from hafeniq_chain.detect.bridge.bridge_drain import BridgeDrainDetector
from hafeniq_chain.detect.bridge.copycat_wave import CopycatWaveDetector
from hafeniq_chain.detect.bridge.fund_tracing import FundTracingDetector
from hafeniq_chain.detect.bridge.incident_links import Lead, links
from hafeniq_chain.detect.liquidity.liquidity_rug import LiquidityRugDetector
from hafeniq_chain.detect.liquidity.pools import SYNC

ESCROW, TOKEN = "0x" + "e5" * 20, "0x" + "70" * 20
WITHDRAWAL = "0x" + keccak(text="Withdrawal(address,address,uint256,uint256,bytes32)").hex()


def _addr(n: int) -> str:
    return f"0x{n:040x}"


def _block(n: int, rng: random.Random) -> BlockBundle:
    b = BlockBundle(chain_id=1, number=n, hash=f"0x{n:064x}", parent_hash="0x0",
                    timestamp=n * 12)
    for i in range(100):
        h = f"0x{n:032x}{i:032x}"
        sender, other = _addr(rng.randrange(5_000)), _addr(rng.randrange(5_000))
        kind = i % 10
        to = ESCROW if kind == 0 else _addr(10_000 + i % 20) if kind < 4 else TOKEN
        b.transactions.append(TxRecord(h, n, i, sender, to, 0, b"\xa9\x05\x9c\xbb" + bytes(64),
                                       nonce=3, status=1))
        if kind == 0:  # relayed bridge release
            amount = rng.randrange(10**6, 10**9)
            b.transfers.append(TransferRecord(n, h, i, "log:0", TOKEN, ESCROW, other, amount))
            b.logs.append(LogRecord(n, len(b.logs), h, i, ESCROW,
                                    (WITHDRAWAL, "0x" + encode(["address"], [TOKEN]).hex(),
                                     "0x" + encode(["address"], [other]).hex()),
                                    encode(["uint256", "uint256", "bytes32"],
                                           [amount, 10, bytes(32)])))
        elif kind < 4:  # swap on one of 20 pools
            pool = _addr(10_000 + i % 20)
            b.logs.append(LogRecord(n, len(b.logs), h, i, pool, (SYNC,),
                                    encode(["uint112", "uint112"], [10**24, 10**21])))
            b.logs.append(LogRecord(n, len(b.logs), h, i, pool,
                                    (V2_SWAP, "0x" + bytes(32).hex(), "0x" + bytes(32).hex()),
                                    encode(["uint256"] * 4, [0, 10**18, 10**20, 0])))
            b.transfers.append(TransferRecord(n, h, i, "log:1", TOKEN, pool, sender, 10**20))
        else:  # token transfer
            b.transfers.append(TransferRecord(n, h, i, "log:0", TOKEN, sender, other,
                                              rng.randrange(10**18)))
    return b


def run(n_blocks: int = 2_000) -> list[tuple[str, str]]:
    rng = random.Random(6)
    blocks = [_block(n, rng) for n in range(1, n_blocks + 1)]
    detectors = [BridgeDrainDetector(), CopycatWaveDetector(), FundTracingDetector(),
                 LiquidityRugDetector()]
    ctx = DetectionContext(chain_id=1)
    for i in range(200):
        links(ctx).publish(Lead(f"0x{i:064x}", 0, 0, 0, TOKEN, _addr(i), 10**20, "k", "bench"))

    async def timed() -> list[float]:
        out = []
        for block in blocks:
            started = time.perf_counter()
            for detector in detectors:
                await detector.on_block(block, ctx)
            out.append((time.perf_counter() - started) * 1000)
        return out

    ms = sorted(asyncio.run(timed()))
    return [("blocks x 100 txs", str(n_blocks)),
            ("per-block p50 (ms)", f"{statistics.median(ms):.2f}"),
            ("per-block p99 (ms)", f"{ms[int(len(ms) * 0.99)]:.2f}")]


if __name__ == "__main__":
    for name, value in run(int(sys.argv[1]) if len(sys.argv) > 1 else 2_000):
        print(f"{name}: {value}")
