"""Scoring replicas: each tenant is scored by one ``serve`` process; the others forward.

Why ownership with forwarding rather than shared state: a score reads the tenant's whole
recent picture (platform window, account histories, first uses) and must see every earlier
request of that tenant; sharing that through PostgreSQL means a read and a serialising lock
per tenant per request, which is what one owner gives for free, from memory, at today's
latency. The owner is the process holding the tenant's advisory lock (one dedicated
connection holds all of a process's tenant locks); others read its URL from
``tenant_owners`` and forward the request once (``X-Hafeniq-Forwarded``). When the owner
dies its locks go with its session: the next request's forward fails, the lock is free,
and the forwarding process takes the tenant over, reading the committed state from the
database (every answered decision was committed first). A process whose lock session
breaks gives up all its tenants for good (its memory may be stale) and only forwards.
"""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any

import asyncpg
import httpx
from fastapi import Request, Response

from hafeniq_chain.log import get_logger

log = get_logger(__name__)

FORWARDED = "x-hafeniq-forwarded"
_HOP_HEADERS = {"host", "content-length", "connection", "transfer-encoding"}
_TAKE = """
INSERT INTO tenant_owners (tenant, owner, url) VALUES ($1, $2, $3)
ON CONFLICT (tenant) DO UPDATE SET owner = EXCLUDED.owner, url = EXCLUDED.url,
    epoch = tenant_owners.epoch + 1, acquired_at = now()"""


def tenant_key(tenant: str) -> int:
    digest = hashlib.blake2b(f"hafeniq.tenant:{tenant}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class TenantRouter:
    """Decides per request: score here (we own the tenant) or forward to the owner."""

    def __init__(self, pool: asyncpg.Pool, url: str, replica: str, *,
                 check_s: float = 1.0) -> None:
        self.pool = pool
        self.url = url.rstrip("/")
        self.replica = replica
        self.check_s = check_s
        self.owned: set[str] = set()
        self.lost = False
        self._conn: Any = None
        self._lock = asyncio.Lock()
        self._watch: asyncio.Task[None] | None = None
        self._http = httpx.AsyncClient(timeout=30.0)

    async def _try_own(self, tenant: str) -> bool:
        if self.lost:
            return False
        if self._conn is None:
            self._conn = await self.pool.acquire()
            self._watch = asyncio.create_task(self._watch_session())
        if not await self._conn.fetchval("SELECT pg_try_advisory_lock($1)", tenant_key(tenant)):
            return False
        await self._conn.execute(_TAKE, tenant, self.replica, self.url)
        self.owned.add(tenant)
        log.info("tenant.acquired", tenant=tenant, replica=self.replica)
        return True

    async def _watch_session(self) -> None:
        """The lock session is the ownership: when it breaks, every tenant is lost."""
        while True:
            await asyncio.sleep(self.check_s)
            try:
                async with self._lock:
                    await asyncio.wait_for(self._conn.fetchval("SELECT 1"), self.check_s * 3)
            except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError):
                log.warning("tenant.ownership_lost", tenants=sorted(self.owned))
                self.lost, self.owned = True, set()
                self._conn.terminate()
                return

    async def owner_url(self, tenant: str) -> str | None:
        """None: score here. Otherwise the owner's URL."""
        if tenant in self.owned:
            return None
        async with self._lock:
            if tenant in self.owned or await self._try_own(tenant):
                return None
            url: str | None = await self.pool.fetchval(
                "SELECT url FROM tenant_owners WHERE tenant = $1", tenant)
        return url if url and url != self.url else ""

    async def route(self, request: Request, tenant: str) -> Response | None:
        """The owner's answer to this request, or None when this process should score it."""
        for _ in range(3):
            url = await self.owner_url(tenant)
            if url is None:
                return None
            if not url or request.headers.get(FORWARDED):
                break  # no reachable owner known, or a forward that reached a non-owner
            headers = {k: v for k, v in request.headers.items() if k not in _HOP_HEADERS}
            try:
                answer = await self._http.post(f"{url}{request.url.path}",
                                               content=await request.body(),
                                               headers={**headers, FORWARDED: self.replica})
            except httpx.TransportError as exc:  # the owner died: its lock is free now
                log.warning("tenant.owner_unreachable", tenant=tenant, url=url,
                            error=repr(exc)[:200])
                await asyncio.sleep(0.2)
                continue
            return Response(answer.content, status_code=answer.status_code,
                            media_type=answer.headers.get("content-type"))
        return Response(b'{"detail": "tenant owner unavailable, retry"}', status_code=503,
                        media_type="application/json", headers={"Retry-After": "1"})

    async def close(self) -> None:
        if self._watch is not None:
            self._watch.cancel()
        if self._conn is not None and not self.lost:
            await self.pool.release(self._conn)
        await self._http.aclose()
