"""Forta labelled datasets (as shipped in ../shared/data/forta-labels) into PostgreSQL via
the CLI, idempotently, and read back by the fund tracer's label lookup."""

from __future__ import annotations

from pathlib import Path

import asyncpg
import pytest

from hafeniq_chain.detect.base import DetectionContext
from hafeniq_chain.detect.bridge.labelled_funds import StoreLabels
from hafeniq_chain.store.labels import import_labels, parse_label_feed
from tests.support.cli import run_cli

pytestmark = pytest.mark.integration
EXPLOITER = "0x016e20cad525bfb802ae3f12ecbcb64b5ad8410b"
PHISHER = "0x000000000532b45f47779fce440748893b257865"


async def test_forta_feeds_import_once_and_answer_lookups(
        pool: asyncpg.Pool, empty_dsn: str, shared_data: Path) -> None:
    await pool.execute("INSERT INTO entities (chain_id, address, kind) VALUES "
                       "(1, $1, 'contract')", EXPLOITER)  # already in the graph
    feeds = shared_data / "forta-labels"
    csvs = sorted((feeds / "labels").rglob("*.csv"))
    done = await run_cli("--dsn", empty_dsn, "labels", "import", str(feeds / "labels.json"),
                         *map(str, csvs))
    assert done.returncode == 0, done.stderr
    distinct = await pool.fetchval("SELECT count(DISTINCT address) FROM address_labels "
                                   "WHERE chain_id = 1")
    assert distinct == 7891  # labels.json: counts.distinct_eth_addresses
    assert await pool.fetchval("SELECT count(*) FROM address_labels WHERE chain_id = 10") == 1
    rows = [r for p in csvs for r in parse_label_feed(p)]
    async with pool.acquire() as conn, conn.transaction():
        assert await import_labels(conn, rows) == 0  # already there: nothing new
    assert await pool.fetchval("SELECT labels FROM entities WHERE address = $1",
                               EXPLOITER) == ["exploit"]
    lookup = StoreLabels()
    ctx = DetectionContext(chain_id=1, pool=pool)
    found = await lookup.dangerous(ctx, {EXPLOITER, PHISHER, "0x" + "12" * 20})
    assert found == {EXPLOITER: ["exploit"], PHISHER: ["phishing"]}
