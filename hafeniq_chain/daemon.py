"""The daemon: wires follower, subscriptions and mempool under one supervisor.

One TaskGroup; SIGTERM/SIGINT set a shutdown Event (a second signal exits at once);
stages drain and checkpoint (the cursor is always written with the data, so stopping
anywhere is safe). Transient RPC failures are retried with backoff; an error budget
stops the daemon instead of failing forever.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import asyncpg
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from hafeniq_chain.aio import BudgetExhausted, resilient
from hafeniq_chain.alert.channels import channels_from_settings
from hafeniq_chain.alert.outbox import OutboxLoop
from hafeniq_chain.alert.routing import ChannelRouter
from hafeniq_chain.api.app import create_app
from hafeniq_chain.api.ops import Readiness
from hafeniq_chain.api.server import serve_until
from hafeniq_chain.chain.capabilities import NodeCapabilities, probe
from hafeniq_chain.chain.follower import BlockHook, Follower, ReorgTooDeep
from hafeniq_chain.chain.indexer import BlockIndexer
from hafeniq_chain.chain.leadership import Leadership
from hafeniq_chain.chain.mempool import PendingStore, pending_from_rpc
from hafeniq_chain.chain.pending_hashes import PendingHashFetcher
from hafeniq_chain.chain.rpc import RpcClient, RpcError
from hafeniq_chain.chain.simulator import NodeSimulator
from hafeniq_chain.chain.subscriptions import Subscriber
from hafeniq_chain.chain.trace_source import CALL_TRACER, PARITY, TracesUnavailable
from hafeniq_chain.config import Settings
from hafeniq_chain.decode.abi_registry import AbiRegistry
from hafeniq_chain.detect.pipeline import build_pipeline
from hafeniq_chain.fuse.decision_drift import DecisionStreamMonitor, check_decision_stream
from hafeniq_chain.fuse.engine import IncidentEngine
from hafeniq_chain.log import get_logger
from hafeniq_chain.store.lease import ChainLease, default_replica_id
from hafeniq_chain.store.partitions import drop_expired_partitions

log = get_logger(__name__)


class DaemonHalted(RuntimeError):
    """The error budget ran out, or an unrecoverable chain condition was found."""


# Outages the daemon rides out: node down or answering garbage, database restarting.
TRANSIENT: tuple[type[BaseException], ...] = (
    RpcError, OSError, asyncpg.PostgresConnectionError, asyncpg.InterfaceError,
    asyncpg.CannotConnectNowError, asyncpg.AdminShutdownError, TimeoutError)


@dataclass
class Daemon:
    """Everything `run` starts; tests drive it directly with their own stop event."""

    settings: Settings
    pool: asyncpg.Pool
    hooks: list[BlockHook] = field(default_factory=list)
    start_block: int | None = None
    error_budget: int = 20
    console_alerts: bool = False
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    # Several chains in one process (fleet.py): only the primary runs the API, the outbox
    # and the decision-stream check; its /readyz reports its peers' chains too.
    primary: bool = True
    peers: list[Daemon] = field(default_factory=list)

    def __post_init__(self) -> None:
        chain = self.settings.chain
        self.rpc = RpcClient(chain.rpc_urls, timeout_s=chain.rpc_timeout_s)
        registry = AbiRegistry.load(w.abi for w in self.settings.watch if w.abi)
        self.indexer = BlockIndexer(self.rpc, self.pool, chain.chain_id, registry,
                                    fetch_traces=chain.fetch_traces)
        self.channels = channels_from_settings(self.settings.alerts, console=self.console_alerts)
        self.router = ChannelRouter(list(self.channels), self.settings.alerts.routes,
                                    {r.name: r.channels for r in self.settings.rule})
        self.engine = IncidentEngine(self.pool, self.settings.policy, list(self.channels),
                                     router=self.router)
        # NOTE: the simulator reveals the swaps inside pending txs of bots' own contracts.
        self.live = build_pipeline(self.settings.detection(), chain.chain_id, self.pool,
                                   sink=self.engine, simulator=NodeSimulator(self.rpc))
        self.hooks = [self.live, *self.hooks]
        alerts = self.settings.alerts
        detect = self.settings.detect
        self.decision_monitor = DecisionStreamMonitor(k=detect.drift.cusum_k,
                                                     h=detect.drift.cusum_h)
        self.scheduler = AsyncIOScheduler(timezone="UTC")
        self.outbox = OutboxLoop(self.pool, self.channels, max_attempts=alerts.max_attempts,
                                 backoff_base_s=alerts.backoff_base_s,
                                 backoff_max_s=alerts.backoff_max_s)
        self.engine.on_alert = self.outbox.wakeup.set
        ws_urls = [u for u in chain.rpc_urls if u.startswith(("ws://", "wss://"))]
        self.mempool = PendingStore(self.pool, chain.chain_id) if (
            chain.mempool and ws_urls) else None
        if self.mempool is not None:  # sightings first, then "never seen pending"
            self.indexer.before_judging = self.mempool.flush
        # NOTE: mempool_active turns on only once a pending feed is subscribed (_on_mempool):
        # without one, an unseen transaction says nothing about private order flow.
        self.follower = Follower(
            self.indexer, confirmations=chain.confirmations,
            max_reorg_depth=chain.max_reorg_depth, start_block=self.start_block,
            hooks=self.hooks, mempool_active=False,
            ahead=chain.fetch_ahead, batch_size=chain.follow_batch_size)
        self.pending_hashes = PendingHashFetcher(self.rpc, self._on_pending) if (
            self.mempool) else None
        self.subscriber = Subscriber(
            ws_urls, on_head=self.follower.wakeup.set,
            on_pending=self._on_pending if self.mempool else None,
            watched=[w.address for w in self.settings.watch],
            on_pending_hash=self.pending_hashes.offer if self.pending_hashes else None,
            on_mempool=self._on_mempool) if ws_urls else None
        self.capabilities = NodeCapabilities()
        lease = self.settings.lease
        self.leadership = Leadership(
            ChainLease(self.pool, chain.chain_id, lease.replica_id or default_replica_id(),
                       ttl_s=lease.ttl_s),
            self._chain_stages, heartbeat_s=lease.heartbeat_s, retry_s=lease.retry_s,
            on_acquire=lambda: self.live.load_state(self.pool),
            on_release=lambda: self.live.save_state(self.pool)) if lease.enabled else None
        if self.leadership is not None:
            self.indexer.fence = self.leadership.lease.fence

    @property
    def owns_chain(self) -> bool:
        """Whether this replica follows the chain (always, without leases)."""
        return self.leadership is None or self.leadership.role == "owner"

    def roles(self) -> dict[str, str]:
        """Per chain: owner or standby (for /readyz and logs)."""
        own = {str(self.settings.chain.chain_id): "owner" if self.owns_chain else "standby"}
        return {k: v for d in self.peers for k, v in d.roles().items()} | own

    def _on_pending(self, tx: dict[str, Any]) -> None:
        record = pending_from_rpc(tx)
        if self.mempool is not None:
            self.mempool.offer(record)
        self.live.offer(record)

    def _on_mempool(self, mode: str) -> None:
        self.follower.mempool_active = mode in ("full", "hashes")
        log.info("daemon.mempool", mode=mode, flags_private=self.follower.mempool_active)

    def node_capabilities(self) -> dict[str, Any]:
        """What the node supports and which fallbacks are in use (for /readyz)."""
        caps = self.capabilities.as_dict()
        if self.subscriber is not None:
            caps["subscriptions"] = {**self.subscriber.capabilities,
                                     "mempool": self.subscriber.mempool}
        else:  # http URLs only: polled, no pending feed
            mempool = "unavailable" if self.settings.chain.mempool else "off"
            caps["subscriptions"] = {"newHeads": False, "pending": mempool, "mempool": mempool,
                                     "polling_s": self.settings.chain.poll_interval_s}
        return caps

    async def _probe_capabilities(self) -> None:
        """Log ``daemon.capabilities`` once the node and its subscriptions have answered."""
        try:
            self.capabilities = await probe(self.rpc, fetch_traces=self.indexer.fetch_traces)
        except TracesUnavailable as exc:
            raise DaemonHalted(str(exc)) from exc
        except RpcError as exc:  # an outage at start-up: the stages retry on their own
            log.warning("daemon.capabilities_unknown", error=str(exc)[:200])
            return
        if self.capabilities.traces in (PARITY, CALL_TRACER):
            self.indexer.trace_method = self.capabilities.traces
        if self.subscriber is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.subscriber.connected.wait(), 5.0)
        log.info("daemon.capabilities", **self.node_capabilities())

    async def _follow(self, stop: asyncio.Event) -> None:
        try:
            await self.follower.run(stop, self.settings.chain.poll_interval_s)
        except (ReorgTooDeep, TracesUnavailable) as exc:
            raise DaemonHalted(str(exc)) from exc

    async def _stage(self, name: str, loop: Callable[[], Awaitable[None]],
                     stop: asyncio.Event | None = None) -> None:
        """A stage restarted after node or database outages, within the error budget."""
        await resilient(name, loop, stop or self.stop, transient=TRANSIENT,
                        budget=self.error_budget)

    async def _chain_stages(self, stop: asyncio.Event) -> None:
        """What only the chain's owner runs: follower, head subscription, mempool."""
        async with asyncio.TaskGroup() as group:
            group.create_task(self._stage("follower", lambda: self._follow(stop), stop))
            if self.subscriber is not None:
                group.create_task(self.subscriber.run(stop))
            if self.pending_hashes is not None:
                pending_hashes = self.pending_hashes
                group.create_task(self._stage("pending-hashes",
                                              lambda: pending_hashes.run(stop), stop))
            if self.mempool is not None:
                mempool = self.mempool
                group.create_task(self._stage("mempool", lambda: mempool.run(stop), stop))
                group.create_task(self._stage("pending-detection",
                                              lambda: self.live.run_pending(stop), stop))

    async def _owner_only(self, job: Callable[[], Awaitable[None]]) -> None:
        if self.owns_chain:
            await job()

    async def _check_decision_stream(self) -> None:
        bucket_s = self.settings.policy.decision_bucket_s
        await check_decision_stream(self.pool, self.decision_monitor, self.engine, bucket_s,
                                    int(time.time() // bucket_s))

    def install_signal_handlers(self) -> None:
        """First SIGTERM/SIGINT: drain and stop; second: exit immediately."""
        loop = asyncio.get_running_loop()

        def on_signal(signum: int) -> None:
            if self.stop.is_set():
                log.warning("daemon.forced_exit", signal=signum)
                os._exit(1)
            log.info("daemon.stopping", signal=signum)
            self.stop.set()

        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, on_signal, sig)

    async def run(self) -> None:
        """Run every stage until ``stop`` is set; the cursor is already checkpointed."""
        log.info("daemon.started", chain_id=self.settings.chain.chain_id,
                 rpc=self.rpc.urls, mempool=self.mempool is not None)
        if self.primary:
            self.scheduler.add_job(self._owner_only, "interval",
                                   args=[self._check_decision_stream],
                                   seconds=self.settings.policy.decision_bucket_s,
                                   id="decision-stream", max_instances=1)
        self.scheduler.add_job(self._owner_only, "interval",
                               args=[lambda: self.live.save_state(self.pool)], seconds=60,
                               id="save-baselines", max_instances=1)
        keep_days = self.settings.store.raw_block_retention_days
        if keep_days is not None:
            self.scheduler.add_job(self._owner_only, "interval", hours=24,
                                   args=[lambda: drop_expired_partitions(self.pool, keep_days)],
                                   id="raw-retention", max_instances=1,
                                   next_run_time=datetime.now(UTC))
        if self.leadership is None:  # with a lease, the state is loaded on becoming owner
            await self.live.load_state(self.pool)
        self.scheduler.start()
        try:
            async with asyncio.TaskGroup() as group:
                group.create_task(self._probe_capabilities())
                if self.leadership is None:
                    group.create_task(self._chain_stages(self.stop))
                else:
                    leadership = self.leadership
                    group.create_task(self._stage("lease", lambda: leadership.run(self.stop)))
                if self.channels and self.primary:
                    group.create_task(self._stage("outbox", lambda: self.outbox.run(self.stop)))
                if self.settings.api.enabled and self.primary:
                    app = create_app(self.pool, self.settings,
                                     readiness=Readiness(self.pool, self.rpc,
                                                         progress=self.follower.progress,
                                                         node=self.node_capabilities,
                                                         roles=self.roles),
                                     alert_channels=self.router)
                    group.create_task(serve_until(app, self.settings.api.listen, self.stop))
        except* BudgetExhausted as group:
            raise DaemonHalted(str(group.exceptions[0])) from None
        finally:
            self.scheduler.shutdown(wait=False)
            try:
                if self.leadership is None:  # an owner saved when it gave the lease up
                    await self.live.save_state(self.pool)
            except TRANSIENT as exc:  # the database may be the reason we are stopping
                log.warning("daemon.baselines_not_saved", error=repr(exc)[:200])
            self.follower.close()
            await self.rpc.close()
            log.info("daemon.stopped")
