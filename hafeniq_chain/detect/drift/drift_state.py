"""Per (contract, function) learned state for the drift detector, serialisable to ``baselines``.

Kept apart from the detector so the learning rules (what is remembered, how it decays,
how it is stored) can be read and tested on their own.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

from hafeniq_chain.core.stats import BlendedBaseline, Cusum

MAX_KNOWN_CALLERS = 50_000


@dataclass
class FunctionState:
    """What is normal for one (contract, selector): rate, callers, arguments, gas."""

    rate: BlendedBaseline = field(default_factory=BlendedBaseline.new)
    active: BlendedBaseline = field(default_factory=BlendedBaseline.new)  # calls, busy blocks
    busy_peak: float = 0.0  # most calls in one unflagged block
    cusum: Cusum = field(default_factory=Cusum)
    new_ratio: BlendedBaseline = field(default_factory=BlendedBaseline.new)
    entropy: BlendedBaseline = field(default_factory=BlendedBaseline.new)
    gas: BlendedBaseline = field(default_factory=BlendedBaseline.new)
    known_callers: set[str] = field(default_factory=set)
    first_seen: dict[str, int] = field(default_factory=dict)  # caller -> first block (recent)
    recent_calls: deque[tuple[int, str]] = field(default_factory=deque)
    blocks_observed: int = 0

    def learn_callers(self, callers: list[str]) -> None:
        """Remember callers as known; the set is bounded (oldest arbitrary entries dropped)."""
        self.known_callers.update(callers)
        while len(self.known_callers) > MAX_KNOWN_CALLERS:
            self.known_callers.pop()

    def remember_calls(self, block: int, callers: list[str], window: int) -> None:
        """Keep the calls of the last ``window`` blocks for flash-burst counting.

        ``first_seen`` forgets a caller only once it is old *and* has no call left in
        ``recent_calls``: a keeper calling every block keeps its first block (it is not
        fresh), and the burst check can always look up every caller it counts.
        """
        for caller in callers:
            self.first_seen.setdefault(caller, block)
            self.recent_calls.append((block, caller))
        while self.recent_calls and self.recent_calls[0][0] <= block - window:
            self.recent_calls.popleft()
        horizon = block - 4 * window
        active = {c for _, c in self.recent_calls}
        self.first_seen = {c: b for c, b in self.first_seen.items()
                           if b > horizon or c in active}

    def to_state(self) -> dict[str, Any]:
        return {
            "rate": self.rate.to_state(), "active": self.active.to_state(),
            "busy_peak": self.busy_peak,
            "cusum": vars(self.cusum).copy(),
            "new_ratio": self.new_ratio.to_state(), "entropy": self.entropy.to_state(),
            "gas": self.gas.to_state(), "known_callers": sorted(self.known_callers),
            "first_seen": dict(self.first_seen), "recent_calls": list(self.recent_calls),
            "blocks_observed": self.blocks_observed,
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> FunctionState:
        """Rebuild from ``to_state``; repairs baselines stored before ``first_seen`` was kept
        for every recent caller (each gets its earliest recent block)."""
        restored = cls._from_state(state)
        for block, caller in restored.recent_calls:
            restored.first_seen.setdefault(caller, block)
        return restored

    @classmethod
    def _from_state(cls, state: dict[str, Any]) -> FunctionState:
        return cls(
            rate=BlendedBaseline.from_state(state["rate"]), cusum=Cusum(**state["cusum"]),
            active=BlendedBaseline.from_state(state["active"]) if "active" in state
            else BlendedBaseline.new(), busy_peak=float(state.get("busy_peak", 0.0)),
            new_ratio=BlendedBaseline.from_state(state["new_ratio"]),
            entropy=BlendedBaseline.from_state(state["entropy"]),
            gas=BlendedBaseline.from_state(state["gas"]),
            known_callers=set(state["known_callers"]),
            first_seen={str(k): int(v) for k, v in state["first_seen"].items()},
            recent_calls=deque((int(b), str(c)) for b, c in state["recent_calls"]),
            blocks_observed=int(state["blocks_observed"]),
        )
