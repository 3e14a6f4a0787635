"""Score the sandwich detectors on the labelled MEV variants and near-misses.

Each case runs through fresh ``sandwich`` and ``sandwich_cross_block`` detectors (the
production classes, block by block, as the pipeline calls them). A finding is exact when
its kind, pool, front-run, victims (in order) and back-run equal a label's; anything else
they report is a false report. Rows are per variant / near-miss name; ``ablation`` reruns
with one evidence rule switched off, which is how each rule's cost and gain is measured.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from rich.table import Table

from hafeniq_chain.core.finding import Finding
from hafeniq_chain.decode.records import BlockBundle
from hafeniq_chain.detect.base import DetectionContext
from hafeniq_chain.detect.mev.sandwich import SandwichDetector, SandwichSettings
from hafeniq_chain.detect.mev.sandwich_cross_block import CrossBlockSandwichDetector
from hafeniq_chain.evaluation.mev_variants import ExpectedSandwich, MevCase

RULES = ("require_adjacent", "require_profit", "require_harm", "reject_arbitrage_legs",
         "require_reaction")


@dataclass
class VariantRow:
    """One variant or near-miss name over all its seeds."""

    name: str
    family: str
    cases: int = 0
    expected: int = 0
    exact: int = 0
    false_reports: int = 0
    benign_swaps: int = 0

    @property
    def missed(self) -> int:
        return self.expected - self.exact


def _key(f: Finding) -> ExpectedSandwich:
    return ExpectedSandwich(f.kind, str(f.details.get("pool")), f.tx_hashes[0],
                            tuple(f.tx_hashes[1:-1]), f.tx_hashes[-1])


async def _findings(case: MevCase, settings: SandwichSettings) -> list[Finding]:
    detectors = [SandwichDetector(settings), CrossBlockSandwichDetector(settings)]
    ctx = DetectionContext(chain_id=case.blocks[0].chain_id)
    found = []
    for i, block in enumerate(case.blocks):
        for tx in case.pending[i] if i < len(case.pending) else []:
            for d in detectors:
                await d.on_pending(tx, ctx)
        for d in detectors:
            found += await d.on_block(block, ctx)
    # NOTE: the chain goes on: a finding whose mempool verdict waited a block is given then.
    last = case.blocks[-1]
    after = BlockBundle(chain_id=last.chain_id, number=last.number + 1,
                        hash=f"0x{last.number + 1:064x}", parent_hash=last.hash,
                        timestamp=last.timestamp + 12)
    for d in detectors:
        found += await d.on_block(after, ctx)
    return found


def score_cases(cases: Sequence[MevCase], settings: SandwichSettings | None = None
                ) -> list[VariantRow]:
    """Rows in the order the names first appear."""
    settings = settings or SandwichSettings()
    rows: dict[str, VariantRow] = {}

    async def run() -> None:
        for case in cases:
            row = rows.setdefault(case.name, VariantRow(case.name, case.family))
            found = [_key(f) for f in await _findings(case, settings)]
            wanted = set(case.expected)
            row.cases += 1
            row.expected += len(wanted)
            row.exact += len(wanted & set(found))
            row.false_reports += sum(1 for k in found if k not in wanted)
            row.benign_swaps += case.benign_swaps

    asyncio.run(run())
    return list(rows.values())


def totals(rows: Sequence[VariantRow]) -> tuple[int, int, int, int]:
    """(expected, exact, false reports, benign swaps) over all rows."""
    return (sum(r.expected for r in rows), sum(r.exact for r in rows),
            sum(r.false_reports for r in rows), sum(r.benign_swaps for r in rows))


def ablation(cases: Sequence[MevCase]) -> dict[str, tuple[int, int, int, int]]:
    """Totals with the default rules and with each rule flipped in turn."""
    base = SandwichSettings()
    out = {"default rules": totals(score_cases(cases, base))}
    for rule in RULES:
        on = getattr(base, rule)
        out[f"{rule} {'off' if on else 'on'}"] = totals(score_cases(cases, base.model_copy(
            update={rule: not on})))
    out["no learned intermediaries"] = totals(score_cases(cases, base.model_copy(
        update={"intermediary_min_senders": 10_000})))
    return out


def variant_tables(rows: Sequence[VariantRow],
                   ablated: dict[str, tuple[int, int, int, int]] | None = None
                   ) -> list[Table]:
    """The per-variant / per-near-miss table, and the rule ablation when given."""
    table = Table(title="MEV variants and near-misses (sandwich + sandwich_cross_block)")
    for col in ("name", "family", "cases", "expected", "exact", "missed", "false reports",
                "benign swaps"):
        table.add_column(col, justify="left" if col in ("name", "family") else "right")
    for r in rows:
        table.add_row(r.name, r.family, str(r.cases), str(r.expected), str(r.exact),
                      str(r.missed), str(r.false_reports), str(r.benign_swaps))
    expected, exact, false, benign = totals(rows)
    table.add_row("total", "", str(sum(r.cases for r in rows)), str(expected), str(exact),
                  str(expected - exact), str(false), str(benign))
    out = [table]
    if ablated:
        rules = Table(title="what each rule costs (recall) and buys (false reports)")
        for col in ("rules", "exact / expected", "false reports", "per 1,000 benign swaps"):
            rules.add_column(col, justify="left" if col == "rules" else "right")
        for name, (e, x, f, b) in ablated.items():
            rules.add_row(name, f"{x} / {e}", str(f), f"{1000 * f / max(1, b):.2f}")
        out.append(rules)
    return out
