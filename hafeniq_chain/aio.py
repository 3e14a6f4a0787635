"""Small asyncio helpers shared by the long-running loops."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

from hafeniq_chain.log import get_logger

log = get_logger(__name__)
T = TypeVar("T")


async def sleep_or_stop(stop: asyncio.Event, seconds: float) -> bool:
    """Sleep up to ``seconds``, returning early (True) when ``stop`` is set."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
    return stop.is_set()


async def unless_stopped(work: Coroutine[Any, Any, T], stop: asyncio.Event
                         ) -> asyncio.Future[T] | None:
    """Run ``work`` until it ends or ``stop`` is set: its finished task (result or exception
    inside), or None when ``stop`` came first. Nothing is left pending, also when the caller
    itself is cancelled (a lost lease cancels the owner's stages mid-wait)."""
    task = asyncio.ensure_future(work)
    stopper = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({task, stopper}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopper.cancel()
        if not task.done():
            task.cancel()
    return task if task.done() and not task.cancelled() else None


class BudgetExhausted(RuntimeError):
    """A stage failed too many times in a row; the daemon should stop, loudly."""


async def resilient(name: str, loop: Callable[[], Awaitable[None]], stop: asyncio.Event, *,
                    transient: tuple[type[BaseException], ...], budget: int = 20,
                    max_backoff_s: float = 10.0) -> None:
    """Run ``loop`` until ``stop``; restart it after transient errors with backoff.

    ``budget`` consecutive failures raise BudgetExhausted instead of failing forever. A
    loop that returns normally (or runs a while between failures) resets the count.
    """
    failures = 0
    while not stop.is_set():
        started = time.monotonic()
        try:
            await loop()
            failures = 0
        except transient as exc:
            failures = 1 if time.monotonic() - started > 60 else failures + 1
            log.warning("daemon.stage_failed", stage=name, error=repr(exc)[:200],
                        failures=failures, budget=budget)
            if failures >= budget:
                raise BudgetExhausted(f"{name}: {failures} consecutive failures: {exc}") from exc
            await sleep_or_stop(stop, min(0.2 * 2 ** failures, max_backoff_s))
