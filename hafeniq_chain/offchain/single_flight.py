"""Single-flight reads: concurrent callers asking for the same key share one query.

Why: at hundreds of requests per second, a key not in memory yet (an account's history, a
destination's first use or its labelled neighbours) is asked for by every request that
arrives while the first read is still on its way; one query per caller multiplies the
database work exactly when the server is busiest.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Any, TypeVar

from hafeniq_chain.log import get_logger

log = get_logger(__name__)
K = TypeVar("K", bound=Hashable)
T = TypeVar("T")
V = TypeVar("V")


class SingleFlight:
    """Reads in flight, by key; a read's error reaches every caller waiting for it.

    One instance serves one kind of read, through ``once`` or through ``many``, not both.
    """

    def __init__(self) -> None:
        self._pending: dict[Hashable, asyncio.Future[Any]] = {}
        self._background: set[asyncio.Task[Any]] = set()

    def in_background(self, key: Hashable, load: Callable[[], Awaitable[Any]]) -> None:
        """Start reading ``key`` in a task unless that read is in flight: callers keep
        serving what they have meanwhile. A failure is logged; the next call retries."""
        if key in self._pending:
            return
        future = self._start([key])  # now, so a second call in this same tick sees it
        task = asyncio.create_task(self._run([key], future, load))
        self._background.add(task)
        task.add_done_callback(self._background_done)

    def _background_done(self, task: asyncio.Task[Any]) -> None:
        self._background.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("offchain.background_read_failed", error=repr(task.exception())[:300])

    async def held_or_read(self, key: Hashable, held: tuple[T, bool] | None,
                           load: Callable[[], Awaitable[T]]) -> T:
        """A cached value served without waiting: ``held`` is (value, stale) or None.
        Without one the read is waited for; a stale one is served while one background
        read replaces it (the caller's ``load`` stores what it read)."""
        if held is None:
            return await self.once(key, load)
        value, stale = held
        if stale:
            self.in_background(key, load)
        return value

    async def once(self, key: Hashable, load: Callable[[], Awaitable[T]]) -> T:
        """``load()``, or the result of the same key's read already in flight."""
        pending = self._pending.get(key)
        if pending is not None:
            value: T = await asyncio.shield(pending)
            return value
        return await self._run([key], self._start([key]), load)

    async def many(self, keys: Sequence[K],
                   load: Callable[[list[K]], Awaitable[dict[K, V]]]) -> dict[K, V]:
        """The value of each key: one ``load`` for the keys nobody is reading yet (it must
        answer every key it is given), the reads in flight for the others."""
        waiting = {k: self._pending[k] for k in keys if k in self._pending}
        missing = [k for k in dict.fromkeys(keys) if k not in waiting]
        found: dict[K, V] = {}
        if missing:
            found = await self._run(missing, self._start(missing), lambda: load(missing))
        for key, pending in waiting.items():
            found[key] = (await asyncio.shield(pending))[key]
        return found

    async def _run(self, keys: Sequence[Hashable], future: asyncio.Future[Any],
                   load: Callable[[], Awaitable[T]]) -> T:
        """``load()``, its outcome handed to everyone waiting on ``future`` for ``keys``."""
        try:
            result = await load()
        except BaseException as exc:
            self._finish(keys, future, exc)
            raise
        self._finish(keys, future, result)
        return result

    def _start(self, keys: Sequence[Hashable]) -> asyncio.Future[Any]:
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        for key in keys:
            self._pending[key] = future
        return future

    def _finish(self, keys: Sequence[Hashable], future: asyncio.Future[Any],
                outcome: Any) -> None:
        for key in keys:
            del self._pending[key]
        if isinstance(outcome, BaseException):
            future.set_exception(outcome)
            future.exception()  # retrieved: waiters re-raise it, nobody logs "never retrieved"
        else:
            future.set_result(outcome)
