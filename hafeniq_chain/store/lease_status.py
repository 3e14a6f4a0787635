"""Who owns which chain, read from the lease rows and PostgreSQL's own lock table.

Why both: the rows say who claimed the chain and who is standing by (heartbeats), and
``pg_locks`` says whether the owner's lock session still exists right now, so ``status``
can tell an owner that is alive from a row left behind by a killed one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg

from hafeniq_chain.store.lease import lease_key

_ROWS = """
SELECT c.chain_id, c.epoch, c.owner, c.acquired_at, r.replica, r.role, r.host, r.pid,
       extract(epoch FROM now() - r.heartbeat_at)::float8 AS age_s
FROM chain_leases c LEFT JOIN chain_replicas r ON r.chain_id = c.chain_id
ORDER BY c.chain_id, r.role, r.replica"""

_HELD = """
SELECT count(*) > 0 FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1
  AND classid = $1 AND objid = $2
  AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"""


@dataclass(frozen=True)
class ReplicaState:
    """One replica's view of one chain, with the age of its last heartbeat."""

    replica: str
    role: str
    host: str
    pid: int
    heartbeat_age_s: float


@dataclass(frozen=True)
class ChainLeaseState:
    """One chain: its current owner and epoch, whether the lock is held, who stands by."""

    chain_id: int
    owner: str
    epoch: int
    acquired_at: datetime
    lock_held: bool
    replicas: list[ReplicaState]

    def live(self, stale_after_s: float) -> list[ReplicaState]:
        """Replicas that heart-beat within ``stale_after_s``."""
        return [r for r in self.replicas if r.heartbeat_age_s <= stale_after_s]


async def lease_status(pool: asyncpg.Pool) -> list[ChainLeaseState]:
    """Every leased chain, owner first; empty before any replica ran."""
    rows = await pool.fetch(_ROWS)
    chains: dict[int, ChainLeaseState] = {}
    for row in rows:
        state = chains.get(row["chain_id"])
        if state is None:
            key = lease_key(row["chain_id"])
            held = await pool.fetchval(_HELD, (key >> 32) & 0xFFFF_FFFF, key & 0xFFFF_FFFF)
            state = chains[row["chain_id"]] = ChainLeaseState(
                row["chain_id"], row["owner"], row["epoch"], row["acquired_at"], held, [])
        if row["replica"] is not None:
            state.replicas.append(ReplicaState(row["replica"], row["role"], row["host"],
                                               row["pid"], row["age_s"]))
    return list(chains.values())
