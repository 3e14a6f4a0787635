"""With several chains, an alert says which chain its evidence came from (id and name), and
the same address on two chains gives two findings, not one merged."""

from __future__ import annotations

import asyncpg

from hafeniq_chain.core.finding import ConfidenceBand, Finding, Severity
from hafeniq_chain.core.policy import Policy
from hafeniq_chain.core.reasons import ReasonCode
from hafeniq_chain.decode.records import BlockBundle
from hafeniq_chain.detect.base import DetectionContext, Detector, Triggers
from hafeniq_chain.detect.pipeline import DetectionPipeline
from hafeniq_chain.fuse.engine import IncidentEngine
from tests.support.blocks import BlockBuilder, addr


def _finding(chain_id: int | None, key: str) -> Finding:
    return Finding("drift", "1", "burst", 0.95, ConfidenceBand(0.9, 0.97), Severity.HIGH,
                   (ReasonCode.FLASH_BURST,), "burst", key, chain_id=chain_id,
                   entities=(f"0x{key}",))


async def test_alert_payload_names_the_chain(pool: asyncpg.Pool) -> None:
    await pool.executemany("INSERT INTO chains (chain_id, name) VALUES ($1, $2)",
                           [(1, "mainnet"), (8453, "base")])
    engine = IncidentEngine(pool, Policy(), ["webhook"], weights={})
    await engine.process([_finding(8453, "b1")])
    await engine.process([_finding(None, "c1")])  # off-chain style: no chain
    payloads = [r["payload"] for r in await pool.fetch("SELECT payload FROM alerts ORDER BY id")]
    assert payloads[0]["chains"] == [{"chain_id": 8453, "name": "base"}]
    assert "chains" not in payloads[1]


class _SameKeyDetector(Detector):
    """A plugin that reports every block's first sender under a chain-blind dedup key."""

    name = "same_key"
    triggers = Triggers(blocks=True)

    async def on_block(self, block: BlockBundle, ctx: DetectionContext) -> list[Finding]:
        return [Finding(self.name, "1", "seen", 0.3, ConfidenceBand(0.2, 0.4), Severity.LOW,
                        (ReasonCode.FLASH_BURST,), "seen", f"sender:{addr(1)}",
                        entities=(addr(1),))]


async def test_two_chains_same_address_keep_separate_findings(pool: asyncpg.Pool) -> None:
    engine = IncidentEngine(pool, Policy(), [], weights={})
    pipelines = [DetectionPipeline([_SameKeyDetector()], DetectionContext(chain_id=cid),
                                   sink=engine) for cid in (1, 8453)]
    pipelines[1].namespace = "chain-8453:"
    for pipeline in pipelines:
        block = BlockBuilder(7, 1_700_000_000)
        block.tx(addr(1), addr(2))
        await pipeline(block.bundle())
    rows = await pool.fetch("SELECT chain_id, dedup_key FROM findings ORDER BY chain_id")
    assert [(r["chain_id"], r["dedup_key"]) for r in rows] == [
        (1, f"sender:{addr(1)}"), (8453, f"chain-8453:sender:{addr(1)}")]
