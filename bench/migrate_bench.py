"""Foundation figures: embedded PostgreSQL start-up and migrate-from-zero time."""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

from hafeniq_chain.store.database import create_pool
from hafeniq_chain.store.embedded import EmbeddedPostgres
from hafeniq_chain.store.migrator import migrate


def run() -> list[tuple[str, str]]:
    with tempfile.TemporaryDirectory() as tmp:
        server = EmbeddedPostgres(Path(tmp))
        t0 = time.perf_counter()
        dsn = server.start()
        started = time.perf_counter() - t0

        async def _migrate() -> float:
            pool = await create_pool(dsn)
            t1 = time.perf_counter()
            await migrate(pool)
            elapsed = time.perf_counter() - t1
            await pool.close()
            return elapsed

        try:
            migrated = asyncio.run(_migrate())
        finally:
            server.stop()
    return [("embedded PostgreSQL cold start", f"{started * 1000:.0f} ms"),
            ("migrate from zero", f"{migrated * 1000:.0f} ms")]
