"""Run a chain's stages only while this replica owns the chain's lease.

A standby retries the lease every ``retry_s``; an owner runs ``work`` and heart-beats
every ``heartbeat_s``. When the heartbeat fails or a write is fenced (``LeaseLost``) the
work is cancelled at once and the replica stands by again; on ``stop`` the work drains
(it sees its own quit event) and ``on_release`` runs before the lease is given up, so a
successor loads what this owner saved.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

import asyncpg

from hafeniq_chain.aio import sleep_or_stop
from hafeniq_chain.log import get_logger
from hafeniq_chain.store.lease import ChainLease, LeaseLost

log = get_logger(__name__)

Work = Callable[[asyncio.Event], Awaitable[None]]
Hook = Callable[[], Awaitable[None]]
_DB_DOWN = (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError)


async def _nothing() -> None:
    return None


class Leadership:
    """Owner-or-standby loop around one chain's work."""

    def __init__(self, lease: ChainLease, work: Work, *, heartbeat_s: float = 1.0,
                 retry_s: float = 1.0, on_acquire: Hook = _nothing,
                 on_release: Hook = _nothing) -> None:
        self.lease = lease
        self.work = work
        self.heartbeat_s = heartbeat_s
        self.retry_s = retry_s
        self.on_acquire = on_acquire
        self.on_release = on_release
        self.takeovers = 0

    @property
    def role(self) -> str:
        return self.lease.role

    async def run(self, stop: asyncio.Event) -> None:
        """Stand by, own, lose, stand by again... until ``stop``."""
        try:
            while not stop.is_set():
                try:
                    owner = await self.lease.try_acquire()
                except _DB_DOWN as exc:
                    log.warning("lease.try_failed", chain_id=self.lease.chain_id,
                                error=repr(exc)[:200])
                    await self.lease.release()
                    owner = False
                if owner:
                    self.takeovers += 1
                    await self._own(stop)
                else:
                    await sleep_or_stop(stop, self.retry_s)
        finally:
            await self.lease.release()

    async def _own(self, stop: asyncio.Event) -> None:
        """Run the work while the heartbeat succeeds; cancel it the moment it does not."""
        quit_ = asyncio.Event()
        task: asyncio.Future[None] | None = None
        try:
            await self.on_acquire()
            task = asyncio.ensure_future(self.work(quit_))
            stopping = asyncio.ensure_future(stop.wait())
            try:
                while not task.done():
                    await asyncio.wait({task, stopping}, timeout=self.heartbeat_s,
                                       return_when=asyncio.FIRST_COMPLETED)
                    if stop.is_set():
                        quit_.set()
                        await task  # drain: the stages finish their step
                        break
                    if not task.done():
                        await self.lease.heartbeat()
            finally:
                stopping.cancel()
            task.result()  # a stage error (budget exhausted, LeaseLost from a fenced write)
            await self.on_release()
        except* LeaseLost as group:  # raised here, or by a fenced write inside the stages
            log.warning("lease.lost", chain_id=self.lease.chain_id,
                        replica=self.lease.replica, reason=str(group.exceptions[0]))
        finally:
            if task is not None and not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, LeaseLost, ExceptionGroup):
                    await task
            await self.lease.release()
