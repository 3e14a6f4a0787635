"""The labelled MEV variant generator, judged on seeds no rule was tuned on.

Every variant over ``JUDGE_SEEDS`` (30 seeds) must be found exactly (same kind, pool,
front-run, victims in order, back-run) and the detectors may make at most one false
report per 1,000 benign swaps; the table is printed (``pytest -s``), as
``hafeniq-chain eval --mev-variants`` prints it.
"""

from __future__ import annotations

from rich.console import Console

from hafeniq_chain.evaluation.mev_variant_eval import score_cases, totals, variant_tables
from hafeniq_chain.evaluation.mev_variants import (
    CASES,
    JUDGE_SEEDS,
    TUNE_SEEDS,
    all_cases,
    make_case,
)


def test_judge_seeds_every_variant_exact_and_few_false_reports() -> None:
    assert len(JUDGE_SEEDS) >= 20 and not set(JUDGE_SEEDS) & set(TUNE_SEEDS)
    rows = score_cases(all_cases(JUDGE_SEEDS))
    Console(width=140).print(*variant_tables(rows))
    assert {r.name for r in rows} == set(CASES)
    for r in rows:
        assert r.exact == r.expected, f"{r.name}: {r.missed} of {r.expected} missed"
        assert (r.expected > 0) == (r.family == "variant")
    _, _, false, benign = totals(rows)
    assert benign > 50_000
    assert false * 1000 <= benign, f"{false} false reports over {benign} benign swaps"


def test_cases_are_seeded_and_labels_point_at_their_swaps() -> None:
    for name in CASES:
        a, b = make_case(name, 7), make_case(name, 7)
        assert [s for blk in a.blocks for s in blk.swaps] == \
            [s for blk in b.blocks for s in blk.swaps]
        hashes = {s.tx_hash for blk in a.blocks for s in blk.swaps}
        assert a.labelled_txs <= hashes
        for e in a.expected:
            pools = {s.pool for blk in a.blocks for s in blk.swaps if s.tx_hash == e.frontrun}
            assert e.pool in pools
