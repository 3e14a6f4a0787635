"""What each rule of issue 16 buys: switch one off (through its setting), rerun the chain
variants, print the attacks it then misses and the look-alikes it then lets through.

Run alone: ``.venv/bin/python -m bench.variant_ablation_bench [FIRST-LAST]`` (default the
judge seeds 100-123). Pure data, no node; about two minutes.
"""

from __future__ import annotations

import sys
from typing import Any

from hafeniq_chain.detect.settings import DetectSettings
from hafeniq_chain.evaluation.variants.runner import evaluate_variants, parse_seeds

BASE = DetectSettings()


def _with(table: str, **values: Any) -> DetectSettings:
    return BASE.model_copy(update={table: getattr(BASE, table).model_copy(update=values)})


def _ring(**weights: Any) -> DetectSettings:
    vr = BASE.voting_ring
    return BASE.model_copy(update={"voting_ring": vr.model_copy(
        update={"weights": vr.weights.model_copy(update=weights)})})


ABLATIONS: dict[str, DetectSettings] = {
    "all rules (defaults)": BASE,
    "bridge_drain without release matching": _with("bridge_drain", match_horizon_blocks=1),
    "bridge_drain without the series rule": _with("bridge_drain", series_count=10_000),
    "bridge_drain factor 10 (before issue 16)": _with("bridge_drain", factor=10.0),
    "copycat_wave without the fixed-reward rule": _with("copycat_wave", fixed_reward_share=0.0),
    "copycat_wave entitled_multiple unbounded": _with("copycat_wave", entitled_multiple=1e30),
    "voting_ring without crowd damping": _ring(crowd_damping=0.0),
    "voting_ring without hub damping": _ring(hub_damping=0.0),
    "liquidity_rug age scale 24 h": _with("liquidity_rug", age_scale_s=24 * 3600),
}


def run(seeds: str = "100-123") -> list[tuple[str, str]]:
    out = []
    for name, cfg in ABLATIONS.items():
        rows = evaluate_variants(parse_seeds(seeds), cfg)
        missed = {r.name: len(r.failed_seeds) for r in rows if r.attack and r.failed_seeds}
        loud = {r.name: r.hits for r in rows if not r.attack and r.hits}
        out.append((name, f"missed {missed or '-'}; loud look-alikes {loud or '-'}"))
    return out


if __name__ == "__main__":
    for name, value in run(sys.argv[1] if len(sys.argv) > 1 else "100-123"):
        print(f"{name:45} {value}")
