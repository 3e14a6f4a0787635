"""API keys verified once, then recognised from memory by the scoring route.

Why: verifying a key is one indexed read, but at hundreds of scored withdrawals per
second that read (and the pooled connection it takes) was a large share of each
request. Memory alone would let a revoked key keep working, so only a route whose write
re-reads the key in its own transaction may use this (scoring's group commit does:
``offchain.decision_writer.KeyRejected``); a rejected key is forgotten here at once.
"""

from __future__ import annotations

from collections import OrderedDict

import asyncpg

from hafeniq_chain.api.keys import ApiKeyRecord, hash_key, verify_api_key

MAX_KEYS = 10_000


class KnownKeys:
    """Verified keys by their SHA-256 (the key itself is not kept), LRU-bounded."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool
        self._records: OrderedDict[str, ApiKeyRecord] = OrderedDict()

    async def verify(self, key: str) -> ApiKeyRecord | None:
        """The key's record from memory, or verified in the database and remembered."""
        digest = hash_key(key)
        record = self._records.get(digest)
        if record is not None:
            self._records.move_to_end(digest)
            return record
        record = await verify_api_key(self.pool, key)
        if record is not None:
            self._records[digest] = record
            while len(self._records) > MAX_KEYS:
                self._records.popitem(last=False)
        return record

    def forget(self, key_id: int) -> None:
        """The database refused ``key_id``: verify it there again next time."""
        for digest in [d for d, r in self._records.items() if r.key_id == key_id]:
            del self._records[digest]
