"""Labelled neighbours of withdrawal destinations, kept in memory and fresh in batches.

Why: the chain side keeps labelling addresses and adding edges, so what a destination
is linked to must be re-read, but one query per request (or per destination whenever
its entry expires) costs more database work than all the rest of scoring. Here a
destination is read once when first seen; then every ``max_age / 2`` one background query
re-reads all destinations scored recently, and requests never wait for it. A value is
never served older than ``max_age``: an entry that old (traffic stopped, or refreshes
fail) is read again on the request path. Destinations not scored for ``max_age`` are
dropped at the next refresh, which bounds memory.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

import asyncpg

from hafeniq_chain.offchain.enrichment import flagged_links_many
from hafeniq_chain.offchain.single_flight import SingleFlight

REFRESH_CHUNK = 200  # rows handled between two yields to the event loop


@dataclass(slots=True)
class _Entry:
    links: list[dict[str, str]]
    read_at: float  # monotonic time the read started (the value is at least this fresh)
    used_at: float


class LinkCache:
    """``get(address)``: the address's labelled neighbours, at most ``max_age`` s old."""

    def __init__(self, pool: asyncpg.Pool, chain_id: int, max_age: float = 10.0) -> None:
        self.pool = pool
        self.chain_id = chain_id
        self.max_age = max_age
        self._entries: dict[str, _Entry] = {}
        self._reads = SingleFlight()
        self._refreshes = SingleFlight()
        self._refreshed_at = time.monotonic()

    async def get(self, address: str) -> list[dict[str, str]]:
        now = time.monotonic()
        entry = self._entries.get(address)
        if entry is not None and now - entry.read_at < self.max_age:
            entry.used_at = now
            if now - self._refreshed_at >= self.max_age / 2:
                self._refreshed_at = now
                self._refreshes.in_background("all", self._refresh)
            return entry.links
        return (await self._reads.many([address], self._read))[address]

    async def _read(self, addresses: list[str]) -> dict[str, list[dict[str, str]]]:
        started = time.monotonic()
        found = await flagged_links_many(self.pool, self.chain_id, addresses)
        for address, links in found.items():
            entry = self._entries.get(address)  # a refresh is not a use: keep when it was
            self._entries[address] = _Entry(links, started,
                                            entry.used_at if entry is not None else started)
        return found

    async def _refresh(self) -> None:
        """Re-read every destination used within ``max_age``; forget the others."""
        now = time.monotonic()
        stale = [a for a, e in self._entries.items() if now - e.used_at >= self.max_age]
        for address in stale:
            del self._entries[address]
        in_use = list(self._entries)
        for i in range(0, len(in_use), REFRESH_CHUNK):
            await self._read(in_use[i:i + REFRESH_CHUNK])
            await asyncio.sleep(0)  # let requests through between chunks
