"""EWMA / CUSUM and the decision-stream monitor on synthetic streams."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from hafeniq_chain.core.stats import Cusum, Ewma
from hafeniq_chain.fuse.decision_drift import DecisionStreamMonitor


@given(st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=200))
def test_ewma_stays_within_the_observed_range(xs: list[float]) -> None:
    e = Ewma(alpha=0.2)
    for x in xs:
        e.update(x)
    assert min(xs) - 1e-6 <= e.mean <= max(xs) + 1e-6 and e.var >= 0
    assert Ewma.from_state(e.to_state()) == e


def test_cusum_ignores_noise_and_catches_a_sustained_shift() -> None:
    rng = random.Random(7)
    c = Cusum(k=0.5, h=5.0)
    assert not any(c.update(rng.gauss(0, 1)) for _ in range(500))
    alarms = [c.update(rng.gauss(2.0, 1)) for _ in range(20)]
    assert any(alarms) and alarms.index(True) < 8


def test_monitor_raises_one_finding_when_a_detector_starts_flooding() -> None:
    rng = random.Random(3)
    monitor = DecisionStreamMonitor(k=0.5, h=4.0)
    quiet = [f for b in range(60) for f in monitor.observe(b, {"drift": rng.choice([0, 1, 2])})]
    assert quiet == []
    flood = [f for b in range(60, 66) for f in monitor.observe(b, {"drift": 12})]
    assert flood and flood[0].reason_codes[0].value == "DECISION_RATE_SHIFT"
    assert flood[0].details["correlation_key"] == "decision-stream:drift"
    assert monitor.baselines["drift"].mean < 2.5  # the flood did not become the baseline
