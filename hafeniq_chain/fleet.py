"""Several chains in one ``run`` process: one Daemon per ``[[chains]]`` entry.

Why a daemon per chain rather than a daemon that knows many chains: each chain keeps its
own node client, follower, detectors (with that chain's settings) and lease, so a replica
can own one chain and stand by for another, and a slow or dead node stalls only its own
chain. The first chain's daemon is the primary: it serves the API (whose ``/readyz``
lists every chain's role) and runs the alert outbox and the decision-stream check once for
the process. All daemons share the pool and one stop event (one SIGTERM stops them all).
"""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg

from hafeniq_chain.aio import sleep_or_stop
from hafeniq_chain.config import Settings
from hafeniq_chain.daemon import TRANSIENT, Daemon
from hafeniq_chain.log import get_logger
from hafeniq_chain.metrics import CHAIN_HEAD_LAG_BLOCKS

log = get_logger(__name__)


class Fleet:
    """The daemons of every configured chain, run together until SIGTERM."""

    def __init__(self, settings: Settings, pool: asyncpg.Pool, **daemon_args: Any) -> None:
        self.stop = asyncio.Event()
        self.named: list[tuple[str, Daemon]] = []
        for i, (name, chain_settings) in enumerate(settings.per_chain()):
            daemon = Daemon(chain_settings, pool, stop=self.stop, primary=i == 0,
                            **daemon_args)
            if i > 0:  # the first chain keeps the names a single-chain config used
                daemon.live.namespace = f"chain-{chain_settings.chain.chain_id}:"
            self.named.append((name, daemon))
        self.primary = self.named[0][1]
        self.primary.peers = [d for _, d in self.named[1:]]
        for _, daemon in self.named[1:]:
            daemon.engine.on_alert = self.primary.outbox.wakeup.set
        self.pool = pool

    def install_signal_handlers(self) -> None:
        self.primary.install_signal_handlers()  # sets the stop event every daemon shares

    async def _lag(self, name: str, daemon: Daemon) -> None:
        """Keep ``hafeniq_chain_head_lag_blocks{chain=name}`` current."""
        chain_id = daemon.settings.chain.chain_id
        gauge = CHAIN_HEAD_LAG_BLOCKS.labels(chain=name)
        while True:
            try:
                if not daemon.owns_chain:
                    gauge.set(-1)
                else:
                    head = await daemon.rpc.block_number()
                    cursor = await self.pool.fetchval(
                        "SELECT block_number FROM cursors WHERE chain_id = $1 AND name = 'head'",
                        chain_id)
                    gauge.set(max(0, head - (cursor or 0)))
            except TRANSIENT as exc:
                log.debug("fleet.lag_unknown", chain=name, error=repr(exc)[:200])
            if await sleep_or_stop(self.stop, 2.0):
                return

    async def run(self) -> None:
        """Every chain's daemon (and its lag gauge) until stop; one halting stops all."""
        log.info("fleet.started", chains=[n for n, _ in self.named])
        await self.pool.executemany(  # alerts and the API name chains by these
            "INSERT INTO chains (chain_id, name) VALUES ($1, $2) ON CONFLICT (chain_id) "
            "DO UPDATE SET name = EXCLUDED.name",
            [(d.settings.chain.chain_id, n) for n, d in self.named])
        async with asyncio.TaskGroup() as group:
            for name, daemon in self.named:
                group.create_task(daemon.run())
                group.create_task(self._lag(name, daemon))
