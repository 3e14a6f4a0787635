"""Copycat-wave detection on bridge-like contracts.

Why: the costliest bridge drains (Nomad 2022) were copied by hundreds of
senders within minutes, each replaying the same call with a new recipient.
Rules match one exploit; a wave is visible as a sudden burst of distinct
transactions emitting the same event from the same contract, far above that
contract's learned rate. All findings of one wave share one correlation key so
the incident engine groups them into a single incident.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from hafeniq_chain.decode.records import BlockBundle
from hafeniq_chain.detect.base import DetectionContext, Triggers
from hafeniq_chain.detect.finding import ConfidenceBand, FeatureDelta, Finding, Severity
from hafeniq_chain.detect.reasons import ReasonCode


@dataclass
class _Shape:
    """Recent (block, tx) hits of one (contract, topic0) and its learned normal peak."""

    hits: deque[tuple[int, str]] = field(default_factory=deque)
    baseline_peak: float = 0.0
    wave_started: int | None = None
    last_alert: int = 0
    pending: deque[tuple[int, int]] = field(default_factory=deque)
    corr: str = ""


class CopycatWaveDetector:
    """Flags a burst of distinct txs emitting the same event of one contract in a window."""

    name = "copycat_wave"
    version = "1"
    triggers = Triggers(blocks=True)

    def __init__(self, window_blocks: int = 10, min_txs: int = 5, ratio: float = 3.0,
                 quiet_blocks: int = 300) -> None:
        self.window_blocks = window_blocks
        self.quiet_blocks = quiet_blocks  # a wave ends after this many blocks without alert
        self.min_txs = min_txs
        self.ratio = ratio
        self._shapes: dict[tuple[str, str], _Shape] = {}
        self._tx_wave: dict[str, str] = {}  # tx -> wave key, so co-emitted events join one wave

    async def on_pending(self, tx: object, ctx: DetectionContext) -> list[Finding]:
        return []

    async def on_block(self, block: BlockBundle, ctx: DetectionContext) -> list[Finding]:
        seen: dict[tuple[str, str], set[str]] = {}
        for lg in block.logs:
            if not lg.topics:
                continue
            seen.setdefault((lg.address, lg.topics[0]), set()).add(lg.tx_hash)
        findings: list[Finding] = []
        def inactive(key: tuple[str, str]) -> bool:
            shape = self._shapes.get(key)
            return shape is None or shape.wave_started is None

        for key in sorted(seen, key=inactive):  # active waves first: new ones can join them
            txs = seen[key]
            shape = self._shapes.setdefault(key, _Shape())
            for tx in sorted(txs):
                shape.hits.append((block.number, tx))
            while shape.hits and shape.hits[0][0] <= block.number - self.window_blocks:
                shape.hits.popleft()
            count = len({h[1] for h in shape.hits})
            threshold = max(float(self.min_txs), self.ratio * shape.baseline_peak)
            if shape.wave_started is not None and \
                    block.number - shape.last_alert > self.quiet_blocks:
                shape.wave_started = None
            if count < threshold:
                if shape.wave_started is None:
                    self._learn(shape, block.number, count)
                continue
            shape.pending.clear()  # a ramp into a wave never becomes baseline
            if shape.wave_started is None:
                shape.wave_started = block.number
                joined = [self._tx_wave[t] for t in sorted(txs) if t in self._tx_wave]
                contract, topic0 = key
                shape.corr = joined[0] if joined else \
                    f"copycat:{ctx.chain_id}:{contract}:{topic0}:{block.number}"
            for tx in txs:
                self._tx_wave[tx] = shape.corr
            while len(self._tx_wave) > 50_000:  # bounded memory
                del self._tx_wave[next(iter(self._tx_wave))]
            shape.last_alert = block.number
            findings.append(self._finding(block, ctx, key, shape, count, sorted(txs)))
        return findings

    def _learn(self, shape: _Shape, number: int, count: int) -> None:
        """Fold counts into the baseline only once they are 3 windows old and unflagged."""
        shape.pending.append((number, count))
        while shape.pending and shape.pending[0][0] <= number - 3 * self.window_blocks:
            _, old = shape.pending.popleft()
            shape.baseline_peak = max(shape.baseline_peak * 0.999, float(old))

    def _finding(self, block: BlockBundle, ctx: DetectionContext, key: tuple[str, str],
                 shape: _Shape, count: int, txs: list[str]) -> Finding:
        contract, topic0 = key
        corr = shape.corr
        score = min(1.0, 0.5 + count / (4.0 * max(self.min_txs, 1)))
        return Finding(
            detector=self.name, detector_version=self.version, kind="copycat_wave",
            score=score, confidence=ConfidenceBand(max(0.0, score - 0.2), score),
            severity=Severity.CRITICAL if count >= 3 * self.min_txs else Severity.HIGH,
            reason_codes=(ReasonCode.COPYCAT_WAVE,),
            summary=f"{count} distinct txs emitted the same event on {contract} "
                    f"within {self.window_blocks} blocks",
            dedup_key=f"{corr}:{block.number}", chain_id=ctx.chain_id,
            entities=(contract,), tx_hashes=tuple(txs),
            block_from=shape.wave_started, block_to=block.number,
            deltas=(FeatureDelta("distinct_txs_per_window", shape.baseline_peak, float(count),
                                 f"distinct txs per {self.window_blocks} blocks"),),
            details={"correlation_key": corr, "topic0": topic0},
        )
