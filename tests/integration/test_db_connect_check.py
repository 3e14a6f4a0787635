"""The database start-up check on a real PostgreSQL behind a proxy that is down, then up:
without --wait one clear DatabaseUnavailable; with it, retried until the server answers."""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

import pytest

from hafeniq_chain.chain.anvil import free_port
from hafeniq_chain.store.connect_check import DatabaseUnavailable, dsn_where, first_pool
from hafeniq_chain.store.database import create_pool
from tests.support.tcp_proxy import CuttableProxy, unix_socket_of


async def test_refused_then_waited_for(empty_dsn: str) -> None:
    proxy = CuttableProxy(unix_socket_of(empty_dsn), free_port())
    dsn = f"postgresql://postgres@127.0.0.1:{proxy.port}{urlsplit(empty_dsn).path}"
    where = dsn_where(dsn)
    assert where == f"postgres@127.0.0.1:{proxy.port}{urlsplit(empty_dsn).path}"
    with pytest.raises(DatabaseUnavailable, match="no PostgreSQL listening at"):
        await first_pool(lambda: create_pool(dsn), where)

    async def comes_up_later() -> None:
        await asyncio.sleep(1.5)
        await proxy.restore()

    later = asyncio.create_task(comes_up_later())
    pool = await asyncio.wait_for(first_pool(lambda: create_pool(dsn), where, wait=True), 20)
    try:
        assert await pool.fetchval("SELECT 1") == 1
    finally:
        await pool.close()
        await later
        await proxy.cut()


def test_dsn_where_never_shows_the_password() -> None:
    assert dsn_where("postgresql://app:s3cret@db.internal:6432/chain") == \
        "app@db.internal:6432/chain"
    assert dsn_where("host=/tmp dbname=x password=y") == "(DSN)"
