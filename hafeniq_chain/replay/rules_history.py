"""User rules over a block range of history, fetched from the node: the opt-in way to apply
rules to the past (``hafeniq-chain rules history``), apart from ``backfill``, which only
indexes.

Why a separate pass: a team adding a rule today wants to know whether it would have fired
last month, without re-indexing and without every learned detector re-running on blocks it
already judged. Findings are upserted by their dedup key, so running the same range twice
adds nothing; history raises incidents and decisions but pages nobody (no channels).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hafeniq_chain.chain.indexer import BlockIndexer
from hafeniq_chain.detect.base import DetectionContext
from hafeniq_chain.detect.pipeline import DetectionPipeline
from hafeniq_chain.detect.rules.detector import UserRulesDetector
from hafeniq_chain.detect.settings import DetectionSettings
from hafeniq_chain.fuse.engine import IncidentEngine
from hafeniq_chain.log import get_logger

log = get_logger(__name__)


@dataclass
class RulesHistoryStats:
    blocks: int = 0
    findings: int = 0
    by_rule: dict[str, int] = field(default_factory=dict)


async def rules_over_history(indexer: BlockIndexer, start: int, end: int,
                             detection: DetectionSettings, engine: IncidentEngine,
                             batch: int = 50) -> RulesHistoryStats:
    """Evaluate every configured rule on blocks ``start..end``; findings go to ``engine``."""
    detector = UserRulesDetector.from_settings(detection)
    ctx = DetectionContext(chain_id=indexer.chain_id, pool=indexer.pool, settings=detection)
    pipeline = DetectionPipeline([detector], ctx)
    stats = RulesHistoryStats()
    for low in range(start, end + 1, batch):
        numbers = list(range(low, min(end, low + batch - 1) + 1))
        for bundle in await indexer.fetch(numbers):
            findings = await pipeline.detect_block(bundle)
            if findings:
                await engine.process(findings)
            stats.blocks += 1
            stats.findings += len(findings)
            for f in findings:
                rule = str(f.details.get("rule"))
                stats.by_rule[rule] = stats.by_rule.get(rule, 0) + 1
        log.info("rules.history_progress", done=numbers[-1], end=end, findings=stats.findings)
    return stats
