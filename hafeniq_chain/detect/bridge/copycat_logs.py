"""Copycat waves seen in logs only: bursts of distinct txs emitting one contract's event.

Used when a source carries logs but no transactions (a recorded ``eth_getLogs`` file such
as the Nomad exploit): calldata and senders are unknown, so the evidence is a count of
distinct transactions per (contract, topic0) far above that event's learned peak. Events
co-emitted by the same transactions join the wave already under way.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from hafeniq_chain.decode.records import BlockBundle
from hafeniq_chain.detect.bridge.copycat_calls import DelayedPeak, WaveHit


@dataclass
class _Shape:
    """Recent (block, tx) hits of one (contract, topic0) and its learned normal peak."""

    hits: deque[tuple[int, str]] = field(default_factory=deque)
    normal: DelayedPeak = field(default_factory=DelayedPeak)
    wave_started: int | None = None
    wave_id: str = ""
    last_alert: int = 0


class LogWaveTracker:
    """Flags a burst of distinct txs emitting the same event of one contract in a window."""

    def __init__(self, window_blocks: int = 10, min_txs: int = 5, ratio: float = 3.0,
                 quiet_blocks: int = 300, max_shapes: int = 50_000) -> None:
        self.window_blocks = window_blocks
        self.quiet_blocks = quiet_blocks  # a wave ends after this many blocks without alert
        self.min_txs = min_txs
        self.ratio = ratio
        self.max_shapes = max_shapes
        self._shapes: dict[tuple[str, str], _Shape] = {}
        self._tx_wave: dict[str, str] = {}  # tx -> wave id, so co-emitted events join one

    def observe(self, block: BlockBundle) -> list[WaveHit]:
        seen: dict[tuple[str, str], set[str]] = {}
        for lg in block.logs:
            if lg.topics:
                seen.setdefault((lg.address, lg.topics[0]), set()).add(lg.tx_hash)

        def inactive(key: tuple[str, str]) -> bool:
            shape = self._shapes.get(key)
            return shape is None or shape.wave_started is None

        hits = []
        for key in sorted(seen, key=inactive):  # active waves first: new ones can join them
            hit = self._assess(key, seen[key], block.number)
            if hit is not None:
                hits.append(hit)
        while len(self._tx_wave) > 50_000:  # bounded memory
            del self._tx_wave[next(iter(self._tx_wave))]
        return hits

    def _assess(self, key: tuple[str, str], txs: set[str], number: int) -> WaveHit | None:
        if key not in self._shapes and len(self._shapes) >= self.max_shapes:
            return None
        shape = self._shapes.setdefault(key, _Shape())
        for tx in sorted(txs):
            shape.hits.append((number, tx))
        while shape.hits and shape.hits[0][0] <= number - self.window_blocks:
            shape.hits.popleft()
        count = len({h[1] for h in shape.hits})
        threshold = max(float(self.min_txs), self.ratio * shape.normal.peak)
        if shape.wave_started is not None and number - shape.last_alert > self.quiet_blocks:
            shape.wave_started = None
        if count < threshold:
            if shape.wave_started is None:
                shape.normal.learn(number, count, 3 * self.window_blocks)
            return None
        shape.normal.pending.clear()  # a ramp into a wave never becomes baseline
        contract, topic0 = key
        if shape.wave_started is None:
            shape.wave_started = number
            joined = [self._tx_wave[t] for t in sorted(txs) if t in self._tx_wave]
            shape.wave_id = joined[0] if joined else f"{contract}:{topic0}:{number}"
        for tx in txs:
            self._tx_wave[tx] = shape.wave_id
        shape.last_alert = number
        return WaveHit(wave_id=shape.wave_id, contract=contract, signature=topic0,
                       evidence="logs", txs=tuple(sorted(txs)), recipients=(), size=count,
                       baseline=shape.normal.peak, fresh_share=None,
                       first_block=shape.wave_started)
