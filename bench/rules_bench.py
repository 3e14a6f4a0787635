"""User-rule evaluation cost on the 26 real mainnet blocks (no database).

Figures: per-block time of the ``user_rules`` detector with the 7 example rules and with
100 rules (the examples plus 93 ``Transfer``/``Swap``/function rules with large-amount
conditions, as a busy team might write: they look at thousands of logs and rarely hit),
p50/p99 over a few rounds, and the findings raised; the 100 rules once scoped to five busy
token contracts (how teams write rules: about their contracts) and once on any address.

Goal: under 10 ms per block (p50 and p99) for 100 scoped rules, a thousandth of a 12 s
slot; a catch-all rule costs a few microseconds per candidate log or call it must look
at. Times are this process's CPU time (``process_time``), so a machine shared with other
work does not inflate them.
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import numpy as np

from hafeniq_chain.detect.base import DetectionContext
from hafeniq_chain.detect.rules.detector import UserRulesDetector, compile_rules
from hafeniq_chain.detect.rules.files import load_rule_files
from hafeniq_chain.detect.rules.model import RuleSpec, RulesSettings
from hafeniq_chain.detect.settings import DetectionSettings
from hafeniq_chain.replay.mev_inspect import bundle_from_mev_inspect

REPO = Path(__file__).resolve().parents[1]
BLOCKS_DIR = REPO.parent / "shared" / "data" / "mev-inspect-py" / "blocks"
ROUNDS = 5
WETH = "0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2"


# The busiest token contracts of these blocks' era: a conservative stand-in for "our
# contracts" (a team's own contracts see far less traffic than WETH and USDC).
SCOPE = [WETH, "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48",
         "0xdac17f958d2ee523a2206206994597c13d831ec7",
         "0x6b175474e89094c44da98b810f8ce9f54b0f4f33",
         "0x1f9840a85d5af5bf1d1762f984aae0e3f8e6b1d4"]


def _rules(extra: int, scoped: bool = False) -> tuple[RuleSpec, ...]:
    raw, _ = load_rule_files(["examples/rules/*.toml"], REPO)
    specs = [RuleSpec.model_validate(r) for r in raw]
    addresses = SCOPE if scoped else []
    for i in range(extra):
        kind = i % 3
        if kind == 0:
            specs.append(RuleSpec(name=f"transfer-{i}", event="Transfer", addresses=addresses,
                                  where=f"value >= {10 ** (24 + i % 4)} and to not in "
                                        "lists.treasury"))
        elif kind == 1:
            specs.append(RuleSpec(name=f"swap-{i}", event="Swap", addresses=addresses,
                                  where=f"amount0In > {10 ** (24 + i % 4)} or "
                                        f"amount1Out > {10 ** (24 + i % 4)}"))
        else:
            specs.append(RuleSpec(name=f"call-{i}", function="transfer", addresses=addresses,
                                  where=f"call.value == 0 and amount >= units({10**6 + i}, 18)"))
    return tuple(specs)


async def _round(detector: UserRulesDetector, bundles: list[object]) -> tuple[list[float], int]:
    times, hits = [], 0
    ctx = DetectionContext(chain_id=1)
    for bundle in bundles:
        t0 = time.process_time()
        hits += len(await detector.on_block(bundle, ctx))  # type: ignore[arg-type]
        times.append(time.process_time() - t0)
    return times, hits


def _measure(specs: tuple[RuleSpec, ...], bundles: list[object]) -> tuple[np.ndarray, int]:
    settings = DetectionSettings(rules=specs, rules_config=RulesSettings(
        lists={"treasury": ["0x" + "11" * 20], "admins": ["0x" + "22" * 20]}))
    compiled, failed = compile_rules(settings)
    assert not failed, failed
    times: list[float] = []
    hits = 0
    for _ in range(ROUNDS):
        t, h = asyncio.run(_round(UserRulesDetector(compiled), bundles))
        times, hits = times + t, h
    return np.array(times) * 1000, hits


def run() -> list[tuple[str, str]]:
    files = sorted(BLOCKS_DIR.glob("*.json"))
    if not files:
        return [("rules", f"no blocks under {BLOCKS_DIR}")]
    bundles: list[object] = [bundle_from_mev_inspect(json.loads(p.read_text())) for p in files]
    logs = sum(len(b.logs) + len(b.transactions) + len(b.calls) for b in bundles)  # type: ignore[attr-defined]
    out = [("blocks", f"{len(bundles)} real mainnet blocks x {ROUNDS} rounds, "
                      f"{logs:,} logs+txs+calls")]
    for label, extra, scoped in (("7 example rules", 0, False),
                                 ("100 rules on 5 busy tokens", 93, True),
                                 ("100 catch-all rules (any address)", 93, False)):
        ms, hits = _measure(_rules(extra, scoped), bundles)
        goal = " (goal < 10)" if scoped else ""
        out += [(f"{label}: time / block p50", f"{np.percentile(ms, 50):.2f} ms{goal}"),
                (f"{label}: time / block p99", f"{np.percentile(ms, 99):.2f} ms{goal}"),
                (f"{label}: findings over the blocks", str(hits))]
    return out


if __name__ == "__main__":
    for name, value in run():
        print(f"{name}: {value}")
