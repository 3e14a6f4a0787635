"""Route Markov chain learned from normal API sessions (seed 003).

Transition counts between routes; a transition never seen from a well-observed route
is *impossible* (checkout -> registration). The stationary distribution (power
iteration) tells how common each route is in the long run.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import pairwise

import numpy as np

MIN_OBSERVATIONS = 20


@dataclass
class RouteModel:
    """Transition counts per source route."""

    transitions: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))

    @classmethod
    def learn(cls, sessions: Iterable[list[str]]) -> RouteModel:
        """Count transitions in each session's ordered route list."""
        model = cls()
        for routes in sessions:
            for a, b in pairwise(routes):
                model.transitions[a][b] += 1
        return model

    def probability(self, a: str, b: str) -> float | None:
        """P(b | a), or None when ``a`` is too rarely seen to say."""
        outgoing = self.transitions.get(a)
        total = sum(outgoing.values()) if outgoing else 0
        if total < MIN_OBSERVATIONS or outgoing is None:
            return None
        return outgoing[b] / total

    def impossible_transitions(self, routes: list[str]) -> list[tuple[str, str]]:
        """Transitions in ``routes`` never seen after a well-observed source route."""
        return [(a, b) for a, b in pairwise(routes) if self.probability(a, b) == 0.0]

    def stationary(self, iterations: int = 200) -> dict[str, float]:
        """Long-run share of each route (power iteration on the transition matrix)."""
        states = sorted({*self.transitions, *(b for c in self.transitions.values() for b in c)})
        if not states:
            return {}
        index = {s: i for i, s in enumerate(states)}
        matrix = np.full((len(states), len(states)), 1e-9)
        for a, outgoing in self.transitions.items():
            for b, n in outgoing.items():
                matrix[index[a], index[b]] += n
        matrix /= matrix.sum(axis=1, keepdims=True)
        dist = np.full(len(states), 1 / len(states))
        for _ in range(iterations):
            dist = dist @ matrix
        return {s: float(dist[index[s]]) for s in states}
