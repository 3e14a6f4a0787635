"""The off-chain scenario suite on one tuning seed, through the real API and Postgres
(``hafeniq-chain eval`` runs it on 20 fresh seeds and prints the figures)."""

from __future__ import annotations

import asyncpg
import pytest

from hafeniq_chain.evaluation.offchain_suite import run_offchain_suite
from tests.integration.api.conftest import make_settings

pytestmark = pytest.mark.integration


@pytest.mark.timeout(240)
async def test_attacks_are_held_and_look_alikes_approved(pool: asyncpg.Pool) -> None:
    report = await run_offchain_suite(pool, make_settings(), [3], size=120)
    caught, false, n_attack, n_benign = report.rates()
    print("\n".join(f"{k}: {v.actions}" for k, v in sorted(report.labels.items())), report.misses)
    assert n_attack >= 40 and n_benign >= 100
    for name in ("takeover_geo", "takeover_nogeo"):
        assert report.labels[name].flagged == report.labels[name].total, report.misses
    for name in ("wide", "slow", "drip"):
        c = report.labels[name]
        assert c.flagged >= 0.9 * c.total, (name, c.actions, report.misses)
    assert caught >= 0.95 and false <= 0.01, report.misses
