"""Label lookups for fund tracing: does a hop land on a known exploit or phishing address?

A small separate piece so the tracer only asks ``await lookup.dangerous(ctx, addresses)``.
``StoreLabels`` reads ``address_labels`` (filled by ``hafeniq-chain labels import``) through
the detection context's pool, with a bounded cache; ``FeedLabels`` holds a parsed feed in
memory (replays and tests without a database).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Sequence
from typing import Protocol

from hafeniq_chain.detect.base import DetectionContext
from hafeniq_chain.store.labels import DANGEROUS, LabelRow, fetch_labels


class LabelLookup(Protocol):
    async def dangerous(self, ctx: DetectionContext, addresses: Iterable[str]
                        ) -> dict[str, list[str]]:
        """Address -> its exploit/phishing labels, for those that have any."""
        ...


class FeedLabels:
    """Labels from parsed feed rows, in memory."""

    def __init__(self, rows: Sequence[LabelRow]) -> None:
        self.labels: dict[tuple[int, str], list[str]] = {}
        for r in rows:
            if r.label in DANGEROUS:
                self.labels.setdefault((r.chain_id, r.address), []).append(r.label)

    async def dangerous(self, ctx: DetectionContext, addresses: Iterable[str]
                        ) -> dict[str, list[str]]:
        return {a: sorted(set(self.labels[(ctx.chain_id, a)])) for a in addresses
                if (ctx.chain_id, a) in self.labels}


class StoreLabels:
    """Labels from ``address_labels``; each address asked at most once per cache lifetime."""

    def __init__(self, max_cached: int = 200_000) -> None:
        self.cache: OrderedDict[str, list[str]] = OrderedDict()
        self.max_cached = max_cached

    async def dangerous(self, ctx: DetectionContext, addresses: Iterable[str]
                        ) -> dict[str, list[str]]:
        wanted = set(addresses)
        if ctx.pool is None or not wanted:
            return {}
        missing = sorted(a for a in wanted if a not in self.cache)
        if missing:
            async with ctx.pool.acquire() as conn:
                found = await fetch_labels(conn, ctx.chain_id, missing)
            for address in missing:
                self.cache[address] = [x for x in found.get(address, []) if x in DANGEROUS]
            while len(self.cache) > self.max_cached:
                self.cache.popitem(last=False)
        return {a: self.cache[a] for a in wanted if self.cache.get(a)}
