"""Shared fixtures: one real embedded PostgreSQL per test session, a fresh database per test,
and a real Anvil node. Nothing here is mocked."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest

from hafeniq_chain.chain.anvil import AnvilNode, AnvilOptions
from hafeniq_chain.store.database import create_pool
from hafeniq_chain.store.embedded import EmbeddedPostgres
from hafeniq_chain.store.migrator import migrate
from hafeniq_chain.world.manifest import Manifest
from hafeniq_chain.world.state import WorldFiles, build_world, start_world

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """DSN of the session's embedded PostgreSQL server (admin database)."""
    server = EmbeddedPostgres(tmp_path_factory.mktemp("pg"))
    dsn = server.start()
    yield dsn
    server.stop()


def _with_database(dsn: str, name: str) -> str:
    base, _, query = dsn.partition("?")
    return f"{base.rsplit('/', 1)[0]}/{name}" + (f"?{query}" if query else "")


@contextlib.asynccontextmanager
async def fresh_database(pg_server: str) -> AsyncIterator[str]:
    """A brand-new, empty database on the session's server; dropped afterwards."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(pg_server)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    try:
        yield _with_database(pg_server, name)
    finally:
        admin = await asyncpg.connect(pg_server)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


@pytest.fixture
async def empty_dsn(pg_server: str) -> AsyncIterator[str]:
    """A brand-new, empty database for one test."""
    async with fresh_database(pg_server) as dsn:
        yield dsn


@pytest.fixture
async def pool(empty_dsn: str) -> AsyncIterator[asyncpg.Pool]:
    """A pool on a fresh, fully migrated database."""
    p = await create_pool(empty_dsn, min_size=1, max_size=5)
    await migrate(p)
    yield p
    await p.close()


@pytest.fixture
def anvil() -> Iterator[AnvilNode]:
    """A fresh automining Anvil on a free loopback port."""
    with AnvilNode(AnvilOptions()) as node:
        yield node


@pytest.fixture
def shared_data() -> Path:
    """The read-only real datasets beside the repo (../shared/data)."""
    if not SHARED_DATA.exists():
        pytest.skip("../shared/data is not present beside this checkout")
    return SHARED_DATA


# --- Anvil world (issue 4): deploy once per session, load the dumped state per test ---------

@pytest.fixture(scope="session")
def world_files(tmp_path_factory: pytest.TempPathFactory) -> WorldFiles:
    """A deployed world dumped to disk (state + manifest), built once per session (~2 s)."""
    return build_world(tmp_path_factory.mktemp("world"))


@pytest.fixture
def world(world_files: WorldFiles) -> Iterator[tuple[AnvilNode, Manifest]]:
    """A fresh automining Anvil with the deployed world loaded (~0.2 s), and its manifest."""
    node, manifest = start_world(world_files)
    try:
        yield node, manifest
    finally:
        node.stop()
