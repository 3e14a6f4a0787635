"""Opening the first database connection: one clear line on failure, or wait for it.

A wrong DSN password printed a 75-line traceback, a wrong port 93 lines, and a host that
drops packets waited asyncpg's default 60 s. ``first_pool`` bounds each attempt
(``CONNECT_TIMEOUT_S``) and turns the errors a user can cause into ``DatabaseUnavailable``
with what is wrong and what to do; with ``wait`` it retries with backoff
(``store.waiting`` logged each time) until the database answers.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar
from urllib.parse import urlsplit

import asyncpg

from hafeniq_chain.core.startup import StartupError
from hafeniq_chain.log import get_logger

log = get_logger(__name__)
T = TypeVar("T")
CONNECT_TIMEOUT_S = 10.0


class DatabaseUnavailable(StartupError):
    """The database cannot be reached or refuses us; the message says which and why."""


def describe(exc: BaseException, where: str) -> str | None:
    """A one-line explanation of a connection failure, or None when it is not one."""
    hint = " (check --dsn / HAFENIQ_DSN / store.dsn, or add --wait)"
    if isinstance(exc, asyncpg.InvalidAuthorizationSpecificationError):  # incl. bad password
        return f"database {where} refused the login: {exc}{hint}"
    if isinstance(exc, asyncpg.InvalidCatalogNameError):
        return f"database {where}: {exc} (create it, or fix the database name in the DSN)"
    if isinstance(exc, asyncpg.CannotConnectNowError | asyncpg.TooManyConnectionsError):
        return f"database {where} is not accepting connections now: {exc}{hint}"
    if isinstance(exc, TimeoutError):
        return f"database {where} did not answer within {CONNECT_TIMEOUT_S:g} s{hint}"
    if isinstance(exc, ConnectionRefusedError):
        return f"no PostgreSQL listening at {where} (connection refused){hint}"
    if isinstance(exc, OSError):
        return f"cannot reach database {where}: {exc.strerror or exc}{hint}"
    if isinstance(exc, asyncpg.PostgresError | asyncpg.InterfaceError):
        return f"database {where} rejected the connection: {exc}{hint}"
    return None


def dsn_where(dsn: str) -> str:
    """``user@host:port/database`` of a URL-style DSN, never its password."""
    if "://" not in dsn:
        return "(DSN)"
    parts = urlsplit(dsn)
    user = f"{parts.username}@" if parts.username else ""
    port = f":{parts.port}" if parts.port else ""
    return f"{user}{parts.hostname or 'localhost'}{port}{parts.path or ''}"


async def first_pool(connect: Callable[[], Awaitable[T]], where: str, *,
                     wait: bool = False) -> T:
    """``connect()`` once (or until it works, with ``wait``); DatabaseUnavailable if not."""
    attempt = 0
    while True:
        try:
            return await asyncio.wait_for(connect(), CONNECT_TIMEOUT_S)
        except Exception as exc:
            reason = describe(exc, where)
            if reason is None:
                raise
            if not wait:
                raise DatabaseUnavailable(reason) from None
            attempt += 1
            log.warning("store.waiting", reason=reason, attempt=attempt)
            await asyncio.sleep(min(0.5 * 2 ** min(attempt, 5), 10.0))
