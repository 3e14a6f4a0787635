"""Chain leases on a real PostgreSQL: one owner, takeover when the owner's session is gone or
its heartbeat is stale, and fenced writes from an owner that lost the lease."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest

from hafeniq_chain.chain.leadership import Leadership
from hafeniq_chain.store.database import create_pool
from hafeniq_chain.store.lease import ChainLease, LeaseLost
from hafeniq_chain.store.lease_status import lease_status

CHAIN = 31337


@pytest.fixture
async def pools(pool: asyncpg.Pool, empty_dsn: str) -> AsyncIterator[list[asyncpg.Pool]]:
    """Two pools on one migrated database: two replicas' worth of connections."""
    other = await create_pool(empty_dsn, min_size=1, max_size=3)
    yield [pool, other]
    await other.close()


async def _holder_pid(pool: asyncpg.Pool, lease: ChainLease) -> int:
    pid: int = await pool.fetchval(
        "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1 "
        "AND classid = $1 AND objid = $2", (lease.key >> 32) & 0xFFFF_FFFF,
        lease.key & 0xFFFF_FFFF)
    return pid


async def _acquire_within(lease: ChainLease, seconds: float) -> bool:
    for _ in range(int(seconds / 0.1)):
        if await lease.try_acquire():
            return True
        await asyncio.sleep(0.1)
    return False


async def test_one_owner_then_takeover_when_owner_session_dies(
        pools: list[asyncpg.Pool]) -> None:
    a, b = ChainLease(pools[0], CHAIN, "a"), ChainLease(pools[1], CHAIN, "b")
    assert await a.try_acquire() and a.epoch == 1
    assert not await b.try_acquire() and b.role == "standby"
    async with pools[0].acquire() as conn, conn.transaction():
        await a.fence(conn)  # the owner's writes pass
    status = await lease_status(pools[0])
    assert [(r.replica, r.role) for r in status[0].replicas] == [("a", "owner"), ("b", "standby")]

    await pools[1].execute("SELECT pg_terminate_backend($1)", await _holder_pid(pools[1], a))
    assert await _acquire_within(b, 5.0) and b.epoch == 2
    # a still believes it owns the chain: its writes are refused, its heartbeat says lost
    async with pools[0].acquire() as conn:
        with pytest.raises(LeaseLost, match="superseded"):
            async with conn.transaction():
                await a.fence(conn)
    with pytest.raises(LeaseLost):
        await a.heartbeat()
    assert a.role == "standby"
    await b.heartbeat()
    assert (await lease_status(pools[0]))[0].owner == "b"
    await a.release()
    await b.release()


async def test_owner_with_stale_heartbeat_is_cut_off(pools: list[asyncpg.Pool]) -> None:
    a = ChainLease(pools[0], CHAIN, "hung")
    b = ChainLease(pools[1], CHAIN, "standby", ttl_s=0.5)
    assert await a.try_acquire()
    await asyncio.sleep(0.8)  # "hung" holds its session but stops heart-beating
    assert await _acquire_within(b, 5.0)
    assert (b.epoch, (await lease_status(pools[1]))[0].owner) == (2, "standby")
    with pytest.raises(LeaseLost):
        await a.heartbeat()
    await b.release()


async def test_takeover_waits_for_the_write_in_flight(pools: list[asyncpg.Pool]) -> None:
    a, b = ChainLease(pools[0], CHAIN, "a"), ChainLease(pools[1], CHAIN, "b")
    assert await a.try_acquire()
    async with pools[0].acquire() as conn:
        write = conn.transaction()
        await write.start()
        await a.fence(conn)  # a write is in flight, holding the lease row FOR SHARE
        await a.release()  # the lock is free; the takeover's epoch bump must wait
        take = asyncio.create_task(b.try_acquire())
        await asyncio.sleep(0.5)
        assert not take.done()
        await write.commit()
    assert await asyncio.wait_for(take, 5.0) and b.epoch == 2
    await b.release()


async def test_leadership_cancels_work_when_the_lease_is_lost(
        pools: list[asyncpg.Pool]) -> None:
    started, cancelled = asyncio.Event(), asyncio.Event()

    async def work(quit_: asyncio.Event) -> None:
        started.set()
        try:
            await quit_.wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise

    lease = ChainLease(pools[0], CHAIN, "a")
    leader = Leadership(lease, work, heartbeat_s=0.1, retry_s=0.1)
    stop = asyncio.Event()
    task = asyncio.create_task(leader.run(stop))
    await asyncio.wait_for(started.wait(), 5.0)
    assert leader.role == "owner"
    await pools[1].execute("SELECT pg_terminate_backend($1)", await _holder_pid(pools[1], lease))
    await asyncio.wait_for(cancelled.wait(), 5.0)
    started.clear()
    await asyncio.wait_for(started.wait(), 5.0)  # the lock was free: it owns the chain again
    assert leader.takeovers == 2 and lease.epoch == 2
    stop.set()
    await asyncio.wait_for(task, 5.0)
    assert leader.role == "standby"
