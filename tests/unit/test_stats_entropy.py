"""Shannon entropy, robust z and the blended baseline: properties over random inputs."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from hafeniq_chain.core.stats import BlendedBaseline, robust_z, shannon_entropy


@given(st.lists(st.integers(0, 1000), min_size=1, max_size=50))
def test_entropy_is_between_zero_and_log2_of_buckets(counts: list[int]) -> None:
    h = shannon_entropy(counts)
    nonzero = sum(1 for c in counts if c > 0)
    assert 0.0 <= h <= math.log2(max(nonzero, 1)) + 1e-9


@given(st.integers(1, 64))
def test_uniform_histogram_has_maximal_entropy(k: int) -> None:
    assert math.isclose(shannon_entropy([7] * k), math.log2(k), abs_tol=1e-9)


@given(st.lists(st.floats(-1e6, 1e6), min_size=3, max_size=100), st.floats(1e3, 1e9))
def test_robust_z_ignores_how_extreme_one_outlier_is(values: list[float], outlier: float
                                                    ) -> None:
    # NOTE: an outlier does shift the median by one rank (on 5 samples that alone can move
    # z by more than 2), but its size never matters: 1e7 and 1e9 give the same score.
    near = robust_z(values[0], [*values, 1e7])
    far = robust_z(values[0], [*values, 1e7 + outlier])
    assert near == far


def test_robust_z_of_the_median_is_zero() -> None:
    assert robust_z(3.0, [1.0, 2.0, 3.0, 4.0, 100.0]) == 0.0


@given(st.lists(st.floats(0, 1e4), min_size=1, max_size=200))
def test_blended_baseline_stays_in_range_and_round_trips(xs: list[float]) -> None:
    b = BlendedBaseline.new()
    for x in xs:
        b.update(x)
    assert min(xs) - 1e-6 <= b.mean <= max(xs) + 1e-6 and b.std >= 0
    assert BlendedBaseline.from_state(b.to_state()) == b
