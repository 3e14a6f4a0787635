"""`hafeniq-chain eval --variants-only`: the per-look-alike table without a node."""

from __future__ import annotations

import json

import pytest

from tests.support.cli import run_cli

pytestmark = pytest.mark.e2e


async def test_variants_json_names_every_family_and_look_alike() -> None:
    out = await run_cli("--log-level", "warning", "eval", "--variants-only", "--json",
                        "--variant-seeds", "200-201", within_s=120)
    assert out.returncode == 0, out.stderr[-2000:]
    doc = json.loads(out.stdout)
    assert {"unproven_drain", "laundering", "replay_wave", "liquidity_rug",
            "matched_large_release", "epoch_reward_claims", "airdrop_wave",
            "voting_ring:popular_proposal_established"} <= set(doc)
    for name, row in doc.items():
        assert row["seeds"] == 2
        assert row["hits"] == (2 if row["attack"] else 0), (name, row)

