"""Running the off-chain scenario suite through the real API on a real PostgreSQL.

One tenant per seed (tenants are isolated, so seeds never see each other): the history
goes through ``POST /v1/events``, then the live day's steps in time order: their events
(logins, address_added) ingested, their request scored by ``POST
/v1/withdrawals/score``. Attack requests should be held or blocked; benign ones approved.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from hafeniq_chain.api.app import create_app
from hafeniq_chain.api.keys import create_api_key
from hafeniq_chain.config import Settings
from hafeniq_chain.offchain.scenario_plays import build_suite
from hafeniq_chain.store.database import create_pool
from hafeniq_chain.store.embedded import EmbeddedPostgres
from hafeniq_chain.store.migrator import migrate

DEFAULT_SEEDS = list(range(1001, 1021))  # judged on these; tuned on 1-5
BATCH = 200  # events per ingest call (fits the smallest body limit tests configure)


@dataclass
class LabelCounts:
    """Actions per scenario label."""

    attack: bool
    actions: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.actions.values())

    @property
    def flagged(self) -> int:
        return self.total - self.actions.get("APPROVED", 0)


@dataclass
class SuiteReport:
    seeds: list[int]
    labels: dict[str, LabelCounts] = field(default_factory=dict)
    misses: list[dict[str, Any]] = field(default_factory=list)

    def rates(self) -> tuple[float, float, int, int]:
        """(attack requests held or blocked, benign requests not approved, counts)."""
        attack = [c for c in self.labels.values() if c.attack]
        benign = [c for c in self.labels.values() if not c.attack]
        n_attack, n_benign = sum(c.total for c in attack), sum(c.total for c in benign)
        caught = sum(c.flagged for c in attack) / max(n_attack, 1)
        false = sum(c.flagged for c in benign) / max(n_benign, 1)
        return caught, false, n_attack, n_benign

    def as_dict(self) -> dict[str, Any]:
        caught, false, n_attack, n_benign = self.rates()
        return {"seeds": self.seeds, "attack_requests": n_attack,
                "attack_held_or_blocked": round(caught, 4), "benign_requests": n_benign,
                "benign_not_approved": round(false, 4),
                "by_label": {k: {"attack": v.attack, **v.actions}
                             for k, v in sorted(self.labels.items())}}


async def run_offchain_suite(pool: asyncpg.Pool, settings: Settings, seeds: list[int],
                             size: int = 200,
                             progress: Callable[[str], None] = lambda _: None) -> SuiteReport:
    """Every seed's history and live day through the API; actions counted per label."""
    settings = settings.model_copy(update={"store": settings.store.model_copy(
        update={"raw_event_retention_days": max(settings.store.raw_event_retention_days, 90)})})
    app = create_app(pool, settings, alert_channels=[])
    report = SuiteReport(seeds)
    day = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=26)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://suite") as client:
        for seed in seeds:
            key = await create_api_key(pool, f"suite-{seed}", ["*"])
            auth = {"Authorization": f"Bearer {key}"}
            suite = build_suite(seed, size, day)
            for i in range(0, len(suite.history), BATCH):
                await _post(client, "/v1/events", {"events": suite.history[i:i + BATCH]}, auth)
            for step in suite.steps:
                if step.events:
                    await _post(client, "/v1/events", {"events": step.events}, auth)
                if step.request is None:
                    continue
                answer = await _post(client, "/v1/withdrawals/score", step.request, auth)
                counts = report.labels.setdefault(step.label, LabelCounts(step.attack))
                counts.actions[answer["action"]] = counts.actions.get(answer["action"], 0) + 1
                if (answer["action"] == "APPROVED") == step.attack:
                    report.misses.append({"seed": seed, "label": step.label,
                                          "score": answer["score"],
                                          "reasons": answer["reason_codes"]})
            progress(f"off-chain suite seed {seed}: {len(suite.steps)} steps")
    return report


async def _post(client: httpx.AsyncClient, path: str, body: dict[str, Any],
                auth: dict[str, str]) -> dict[str, Any]:
    r = await client.post(path, json=body, headers=auth)
    if r.status_code != 200:
        raise RuntimeError(f"{path} answered {r.status_code}: {r.text[:300]}")
    answer: dict[str, Any] = r.json()
    return answer


async def evaluate_offchain(settings: Settings, work: Path, seeds: list[int], size: int = 150,
                            progress: Callable[[str], None] = lambda _: None) -> SuiteReport:
    """The suite in a fresh embedded PostgreSQL inside ``work``."""
    server = EmbeddedPostgres(work / "offchain-db")
    pool = await create_pool(server.start(), max_size=8)
    try:
        await migrate(pool)
        return await run_offchain_suite(pool, settings, seeds, size, progress)
    finally:
        await pool.close()
        server.stop()


def suite_lines(report: SuiteReport) -> list[str]:
    """The figures as printed by ``eval``, next to the goals."""
    caught, false, n_attack, n_benign = report.rates()
    lines = [f"off-chain suite, seeds {report.seeds[0]}-{report.seeds[-1]}"
             f" ({len(report.seeds)} seeds):"]
    for name, c in sorted(report.labels.items(), key=lambda kv: (not kv[1].attack, kv[0])):
        kind = "attack" if c.attack else "benign"
        actions = ", ".join(f"{a} {n}" for a, n in sorted(c.actions.items()))
        lines.append(f"  {kind:6} {name:15} {c.total:5}  {actions}")
    lines.append(f"  attack requests HOLD or BLOCKED: {caught:.1%} of {n_attack} (goal >= 95%)")
    lines.append(f"  benign requests not APPROVED: {false:.2%} of {n_benign} (goal <= 0.5%)")
    return lines
