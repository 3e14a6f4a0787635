"""Open the database the settings point at: an external DSN or the embedded server."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from hafeniq_chain.core.settings import StoreSettings
from hafeniq_chain.store.connect_check import dsn_where, first_pool
from hafeniq_chain.store.embedded import EmbeddedPostgres
from hafeniq_chain.store.migrator import migrate

Pool = asyncpg.Pool
# A connection taken from a pool is a proxy; functions that run SQL accept either.
Connection = asyncpg.Connection | PoolConnectionProxy


def _json_encode(value: Any) -> bytes:
    """Python value -> JSON text; bytes are JSON text already (``store/json_text.py``)."""
    return value if isinstance(value, bytes) else json.dumps(value).encode()


def _jsonb_encode(value: Any) -> bytes:
    return b"\x01" + _json_encode(value)


def _jsonb_decode(data: bytes) -> Any:
    return json.loads(data[1:])


async def _init_connection(conn: asyncpg.Connection) -> None:
    """JSON columns take and return Python objects.

    Binary codecs (jsonb = version byte 1 + JSON text) so COPY, which is binary, works too.
    """
    await conn.set_type_codec("jsonb", encoder=_jsonb_encode, decoder=_jsonb_decode,
                              schema="pg_catalog", format="binary")
    await conn.set_type_codec("json", encoder=_json_encode,
                              decoder=json.loads, schema="pg_catalog", format="binary")


async def create_pool(dsn: str, *, min_size: int = 1, max_size: int = 10) -> Pool:
    """An asyncpg pool with our codecs installed on every connection."""
    pool: Pool = await asyncpg.create_pool(
        dsn, min_size=min_size, max_size=max_size, init=_init_connection
    )
    return pool


@asynccontextmanager
async def open_database(
    store: StoreSettings, *, run_migrations: bool = True, wait: bool = False, **pool_kwargs: Any
) -> AsyncIterator[Pool]:
    """Yield a migrated pool; start and stop the embedded server when no DSN is set.

    A database that cannot be reached or refuses the login raises ``DatabaseUnavailable``
    (one line for the user) within seconds, or is waited for with ``wait``.
    """
    embedded = None
    if store.dsn is not None:
        dsn = store.dsn.get_secret_value()
    else:
        embedded = EmbeddedPostgres(store.data_dir)
        dsn = embedded.start()
    try:
        pool = await first_pool(lambda: create_pool(
            dsn, min_size=pool_kwargs.get("min_size", store.pool_min),
            max_size=pool_kwargs.get("max_size", store.pool_max),
        ), dsn_where(dsn) if store.dsn is not None else "(embedded)", wait=wait)
        try:
            if run_migrations:
                await migrate(pool)
            yield pool
        finally:
            await pool.close()
    finally:
        if embedded is not None:
            embedded.stop()
