"""Labelled neighbours of destinations, from memory yet never staler than ``max_age``."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from hafeniq_chain.offchain.link_cache import LinkCache

pytestmark = pytest.mark.integration
DEST, OTHER, FUNDER = "0x" + "cd" * 20, "0x" + "ce" * 20, "0x" + "ef" * 20


async def _label_funder(pool: asyncpg.Pool) -> None:
    await pool.execute("INSERT INTO entities (chain_id, address, kind, first_seen_block,"
                       " first_funder) VALUES (1, $1, 'eoa', 100, $2)", DEST, FUNDER)
    await pool.execute("INSERT INTO address_labels VALUES (1, $1, 'phishing', 'test')", FUNDER)


async def test_a_label_reaches_scoring_within_max_age_without_a_read_per_request(
        pool: asyncpg.Pool) -> None:
    cache = LinkCache(pool, chain_id=1, max_age=0.4)
    assert await cache.get(DEST) == [] and await cache.get(OTHER) == []
    await _label_funder(pool)
    assert await cache.get(DEST) == []  # from memory
    await asyncio.sleep(0.25)  # past max_age / 2: this request starts a batch refresh
    assert await cache.get(DEST) == []
    await asyncio.sleep(0.05)
    # refreshed in the background, before the entry expired
    assert await cache.get(DEST) == [{"address": FUNDER, "label": "phishing"}]
    await asyncio.sleep(0.25)
    await cache.get(DEST)  # the next refresh forgets what nobody asked for meanwhile
    await asyncio.sleep(0.05)
    assert set(cache._entries) == {DEST}


async def test_an_entry_older_than_max_age_is_read_again_on_the_request(
        pool: asyncpg.Pool) -> None:
    cache = LinkCache(pool, chain_id=1, max_age=0.1)
    assert await cache.get(DEST) == []
    await _label_funder(pool)
    await asyncio.sleep(0.15)  # no traffic meanwhile, so no refresh ran
    assert await cache.get(DEST) == [{"address": FUNDER, "label": "phishing"}]
