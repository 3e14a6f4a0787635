"""Chain leases: exactly one replica follows a chain; the others stand by and take over.

Why an advisory lock on a dedicated connection: PostgreSQL releases it the moment the
owner's session ends (process killed, connection lost, backend terminated), so a standby
takes over without guessing timeouts in the common case, and PostgreSQL stays the only
coordination service. The lease row is for people (``status``, ``/readyz``) and for
fencing: a takeover increments the chain's epoch, and every block write reads the epoch
``FOR SHARE`` in its own transaction, so an owner that lost its lock connection but still
has pool connections cannot write once a successor took over (and a takeover waits for a
write already in flight). An owner whose heartbeat is older than ``ttl_s`` while its lock
connection lingers (a hung process, a half-open socket) has its backend terminated by a
standby, which frees the lock.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import socket
from typing import Any, Literal

import asyncpg

from hafeniq_chain.log import get_logger
from hafeniq_chain.store.database import Connection

log = get_logger(__name__)

Role = Literal["owner", "standby"]

_TAKE = """
INSERT INTO chain_leases (chain_id, owner) VALUES ($1, $2)
ON CONFLICT (chain_id) DO UPDATE SET epoch = chain_leases.epoch + 1, owner = EXCLUDED.owner,
    acquired_at = now()
RETURNING epoch"""

_BEAT = """
INSERT INTO chain_replicas (chain_id, replica, role, host, pid) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (chain_id, replica) DO UPDATE SET role = EXCLUDED.role, heartbeat_at = now()"""

# The backend holding a chain's advisory lock, when the owner's heartbeat is older than $3.
_STALE_HOLDER = """
SELECT l.pid FROM pg_locks l
JOIN chain_leases c ON c.chain_id = $1
JOIN chain_replicas r ON r.chain_id = c.chain_id AND r.replica = c.owner
WHERE l.locktype = 'advisory' AND l.granted AND l.database = (
        SELECT oid FROM pg_database WHERE datname = current_database())
  AND l.classid = $2 AND l.objid = $4 AND l.objsubid = 1
  AND r.heartbeat_at < now() - make_interval(secs => $3)"""


class LeaseLost(RuntimeError):
    """This replica no longer owns the chain: stop following it now."""


def lease_key(chain_id: int) -> int:
    """The advisory-lock key of a chain (a signed 64-bit hash, apart from other locks)."""
    digest = hashlib.blake2b(f"hafeniq.chain-lease:{chain_id}".encode(), digest_size=8)
    return int.from_bytes(digest.digest(), "big", signed=True)


def default_replica_id() -> str:
    """host:pid, unique among live replicas and readable in ``status``."""
    return f"{socket.gethostname()}:{os.getpid()}"


class ChainLease:
    """One replica's claim on one chain, through a connection held for the lease's life."""

    def __init__(self, pool: asyncpg.Pool, chain_id: int, replica: str, *,
                 ttl_s: float = 10.0, query_timeout_s: float = 3.0) -> None:
        self.pool = pool
        self.chain_id = chain_id
        self.replica = replica
        self.ttl_s = ttl_s
        self.query_timeout_s = query_timeout_s
        self.key = lease_key(chain_id)
        self.role: Role = "standby"
        self.epoch: int | None = None
        self._conn: Any = None  # a pool connection kept out of the pool: the lock's session

    async def _q(self, coro: Any) -> Any:
        return await asyncio.wait_for(coro, self.query_timeout_s)

    async def try_acquire(self) -> bool:
        """Take the lease when free (or free it when its owner is stale); True when owner."""
        if self._conn is None:
            self._conn = await self.pool.acquire(timeout=self.query_timeout_s)
        conn = self._conn
        if not await self._q(conn.fetchval("SELECT pg_try_advisory_lock($1)", self.key)):
            await self._terminate_stale_owner(conn)
            await self._beat(conn, "standby")
            return False
        self.epoch = await self._q(conn.fetchval(_TAKE, self.chain_id, self.replica))
        self.role = "owner"
        await self._beat(conn, "owner")
        log.info("lease.acquired", chain_id=self.chain_id, replica=self.replica,
                 epoch=self.epoch)
        return True

    async def _beat(self, conn: Connection, role: Role) -> None:
        await self._q(conn.execute(_BEAT, self.chain_id, self.replica, role,
                                   socket.gethostname(), os.getpid()))

    async def _terminate_stale_owner(self, conn: Connection) -> None:
        """An owner that stopped heart-beating but keeps its session must not block us."""
        high, low = (self.key >> 32) & 0xFFFF_FFFF, self.key & 0xFFFF_FFFF
        for row in await self._q(conn.fetch(_STALE_HOLDER, self.chain_id, high, self.ttl_s,
                                            low)):
            terminated = await self._q(conn.fetchval("SELECT pg_terminate_backend($1)",
                                                     row["pid"]))
            log.warning("lease.stale_owner_terminated", chain_id=self.chain_id,
                        backend_pid=row["pid"], terminated=terminated)

    async def heartbeat(self) -> None:
        """Owner: show we are alive and still hold the lock; LeaseLost when we do not."""
        if self._conn is None or self.role != "owner":
            raise LeaseLost(f"chain {self.chain_id}: not the owner")
        try:
            await self._beat(self._conn, "owner")
            held = await self._q(self._conn.fetchval(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                "AND pid = pg_backend_pid() AND objsubid = 1 AND classid = $1 AND objid = $2",
                (self.key >> 32) & 0xFFFF_FFFF, self.key & 0xFFFF_FFFF))
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            await self.release()
            raise LeaseLost(f"chain {self.chain_id}: lock connection lost: {exc!r}"[:300]
                            ) from exc
        if not held:
            await self.release()
            raise LeaseLost(f"chain {self.chain_id}: advisory lock no longer held")

    async def fence(self, conn: Connection) -> None:
        """Inside a write's transaction: refuse it unless our epoch is still the current one.

        ``FOR SHARE`` makes a concurrent takeover wait until this write commits or aborts.
        """
        current = await conn.fetchval(
            "SELECT epoch FROM chain_leases WHERE chain_id = $1 FOR SHARE", self.chain_id)
        if self.role != "owner" or current != self.epoch:
            raise LeaseLost(f"chain {self.chain_id}: epoch {self.epoch} superseded by "
                            f"{current}; write refused")

    async def release(self) -> None:
        """Give the lease up (or drop a broken session); the lock goes with the session."""
        conn, self._conn = self._conn, None
        was_owner, self.role = self.role == "owner", "standby"
        if conn is None:
            return
        with contextlib.suppress(Exception):  # a broken session is exactly what we drop here
            if was_owner:
                await self._q(conn.execute(
                    "UPDATE chain_replicas SET role = 'standby', heartbeat_at = now() "
                    "WHERE chain_id = $1 AND replica = $2", self.chain_id, self.replica))
            await self._q(conn.execute("SELECT pg_advisory_unlock_all()"))
        try:
            await self.pool.release(conn, timeout=self.query_timeout_s)
        except Exception:  # a dead connection: make sure the session is gone
            conn.terminate()
        if was_owner:
            log.info("lease.released", chain_id=self.chain_id, replica=self.replica,
                     epoch=self.epoch)
