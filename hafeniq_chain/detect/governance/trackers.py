"""Learned governance baselines: proposal rate, delegation volume, voting-power shares.

Each tracker is pure and fed one block at a time, returns what is abnormal now, and learns
only from what it did not flag (an attack never becomes the new normal). Kept apart from
the detector so each rule can be unit-tested on plain event records.
"""

from __future__ import annotations

import heapq
from collections import deque
from dataclasses import dataclass, field

from hafeniq_chain.core.stats import BlendedBaseline
from hafeniq_chain.detect.governance.events import DelegationChange, ProposalCreated, VotesChange


@dataclass(frozen=True)
class Burst:
    governor: str
    proposals: tuple[ProposalCreated, ...]
    baseline: float | None


@dataclass
class ProposalBurstTracker:
    """Proposals per governor within ``window_blocks``; burst = far above the learned count.

    A count is learned only once its window has closed without a burst, so the ramp into a
    burst never becomes its own baseline.
    """

    window_blocks: int = 50
    min_burst: int = 5
    recent: dict[str, deque[ProposalCreated]] = field(default_factory=dict)
    pending: dict[str, deque[tuple[int, int]]] = field(default_factory=dict)
    base: dict[str, BlendedBaseline] = field(default_factory=dict)

    def observe(self, block: int, proposals: list[ProposalCreated]) -> list[Burst]:
        out = []
        for governor in sorted({p.governor for p in proposals}):
            q = self.recent.setdefault(governor, deque())
            q.extend(p for p in proposals if p.governor == governor)
            while q and q[0].block <= block - self.window_blocks:
                q.popleft()
            base = self.base.setdefault(governor, BlendedBaseline.new())
            waiting = self.pending.setdefault(governor, deque())
            while waiting and waiting[0][0] <= block - self.window_blocks:
                base.update(float(waiting.popleft()[1]))
            count = len(q)
            normal = base.mean if base.n else None
            if count >= self.min_burst and (normal is None or
                                            count > normal + 4 * max(base.std, 0.5)):
                out.append(Burst(governor, tuple(q), normal))
                waiting.clear()
            else:
                waiting.append((block, count))
        return out


@dataclass(frozen=True)
class Spike:
    token: str
    block: int
    moved: int
    total: int
    baseline: float
    delegations: tuple[DelegationChange, ...]


def delegated_power(delegations: list[DelegationChange], changes: list[VotesChange]) -> int:
    """Voting power that delegation changes (not transfers) gave to their new delegates."""
    by_tx = {(c.tx_hash, c.delegate): max(0, c.new - c.previous) for c in changes}
    return sum(by_tx.get((d.tx_hash, d.to_delegate), 0) for d in delegations
               if d.to_delegate != d.from_delegate)


@dataclass
class DelegationSpikeTracker:
    """Per-token power delegated over the last ``window_blocks`` against the p95 of that sum
    over recent unflagged blocks (a few past spikes cannot raise a quantile baseline)."""

    window_blocks: int = 10
    history_blocks: int = 1_000
    min_share: float = 0.01      # of all delegated power seen
    factor: float = 5.0          # times the recent p95
    warmup_blocks: int = 50
    history: dict[str, deque[int]] = field(default_factory=dict)
    recent: dict[str, deque[tuple[int, int, tuple[DelegationChange, ...]]]] = field(
        default_factory=dict)

    def observe(self, block: int, token: str, delegations: list[DelegationChange],
                moved: int, total: int) -> Spike | None:
        window = self.recent.setdefault(token, deque())
        if moved:
            window.append((block, moved, tuple(delegations)))
        while window and window[0][0] <= block - self.window_blocks:
            window.popleft()
        summed = sum(m for _, m, _ in window)
        hist = self.history.setdefault(token, deque(maxlen=self.history_blocks))
        p95 = sorted(hist)[int(0.95 * (len(hist) - 1))] if hist else 0
        threshold = max(self.min_share * total, self.factor * p95, 1)
        if summed >= threshold and len(hist) >= self.warmup_blocks:
            return Spike(token, window[0][0], summed, total, float(p95),
                         tuple(d for _, _, ds in window for d in ds))
        hist.append(summed)
        return None


@dataclass(frozen=True)
class Concentration:
    token: str
    delegate: str
    share_before: float
    share_peak: float
    top_before: float
    top_peak: float
    tx_hashes: tuple[str, ...]
    baseline: float | None


@dataclass
class ConcentrationTracker:
    """Voting power per delegate from ``DelegateVotesChanged``; flags sudden share jumps.

    Shares are of the power seen since the tracker started, so a tracker started mid-history
    overestimates them: the warm-up keeps it quiet until the big holders have shown up.
    """

    min_jump: float = 0.10
    top_n: int = 5
    warmup_blocks: int = 50
    votes: dict[str, dict[str, int]] = field(default_factory=dict)
    blocks: dict[str, int] = field(default_factory=dict)
    base: dict[str, BlendedBaseline] = field(default_factory=dict)

    def top_share(self, token: str) -> float:
        power = self.votes.get(token, {})
        total = sum(power.values())
        return sum(heapq.nlargest(self.top_n, power.values())) / total if total else 0.0

    def observe(self, token: str, changes: list[VotesChange]) -> Concentration | None:
        power = self.votes.setdefault(token, {})
        total = sum(power.values())
        before = {c.delegate: power.get(c.delegate, 0) / total if total else 0.0
                  for c in changes}
        top_before, top_peak = self.top_share(token), 0.0
        best: tuple[float, str, float] = (0.0, "", 0.0)
        for c in changes:
            total += c.new - power.get(c.delegate, 0)
            power[c.delegate] = c.new
            share = c.new / total if total else 0.0
            jump = share - before[c.delegate]
            if jump > best[0]:
                best, top_peak = (jump, c.delegate, share), self.top_share(token)
        self.blocks[token] = self.blocks.get(token, 0) + 1
        base = self.base.setdefault(token, BlendedBaseline.new())
        jump, delegate, peak = best
        if self.blocks[token] <= self.warmup_blocks:
            return None  # discovering existing holders: their "jumps" are not changes
        if jump >= max(self.min_jump, base.mean + 6 * base.std):
            txs = tuple(dict.fromkeys(c.tx_hash for c in changes if c.delegate == delegate))
            return Concentration(token, delegate, before[delegate], peak, top_before,
                                 top_peak, txs, base.mean if base.n else None)
        base.update(jump)
        return None
