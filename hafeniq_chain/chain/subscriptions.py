"""WebSocket subscriptions (newHeads, logs, newPendingTransactions), reconnect + backoff.

A new head only *wakes* the follower; the follower always works from the stored
cursor, so anything missed while disconnected is filled on the next catch-up.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

from web3 import AsyncWeb3, WebSocketProvider
from web3.exceptions import Web3RPCError
from web3.utils.subscriptions import EthSubscription

from hafeniq_chain.aio import sleep_or_stop, unless_stopped
from hafeniq_chain.log import get_logger

log = get_logger(__name__)


class HeadsRefused(RuntimeError):
    """The node answered ``eth_subscribe("newHeads")`` with an error."""


MempoolMode = Literal["off", "full", "hashes", "unavailable", "disconnected"]


class Subscriber:
    """Keeps subscriptions alive across URLs; calls ``on_head``/``on_pending`` per message.

    Only ``newHeads`` is essential. A refused ``logs`` or ``newPendingTransactions``
    subscription is logged and done without: the full-transaction form falls back to
    hashes (``on_pending_hash``, looked up by ``PendingHashFetcher``), and a node with no
    mempool feed at all makes ``mempool`` "unavailable" (``on_mempool`` tells the daemon,
    so nothing is flagged private for want of a pending sighting). A node refusing
    ``newHeads`` leaves the follower polling over HTTP; the subscriber then stops.
    """

    def __init__(self, ws_urls: Sequence[str], on_head: Callable[[], None],
                 on_pending: Callable[[dict[str, Any]], None] | None = None,
                 watched: Sequence[str] = (), max_backoff_s: float = 10.0, *,
                 on_pending_hash: Callable[[str], None] | None = None,
                 on_mempool: Callable[[MempoolMode], None] | None = None) -> None:
        self.ws_urls = [u for u in ws_urls if u.startswith(("ws://", "wss://"))]
        self.on_head = on_head
        self.on_pending = on_pending
        self.on_pending_hash = on_pending_hash
        self.on_mempool = on_mempool
        self.watched = [w.lower() for w in watched]
        self.watched_logs = 0
        self.max_backoff_s = max_backoff_s
        self.connected = asyncio.Event()
        self.reconnects = 0
        self.mempool: MempoolMode = "off"
        self.capabilities: dict[str, Any] = {}
        self.heads_refused = False

    def _set_mempool(self, mode: MempoolMode) -> None:
        if mode != self.mempool:
            self.mempool = mode
            if self.on_mempool is not None:
                self.on_mempool(mode)

    async def _optional(self, w3: AsyncWeb3[Any], *params: Any) -> Any:
        """Subscribe with exactly ``params``, or None (logged) when the node refuses.

        NOTE: through ``EthSubscription`` because ``w3.eth.subscribe`` always sends the
        full-transaction flag for pending transactions (``false`` by default), which
        Hardhat refuses; ``("newPendingTransactions",)`` alone is what every node takes.
        """
        try:
            return await w3.subscription_manager.subscribe(
                EthSubscription(subscription_params=params))
        except Web3RPCError as exc:
            log.warning("chain.subscription_refused", kind=params[0],
                        params=[str(p)[:80] for p in params[1:]], error=str(exc)[:200])
            return None

    async def _subscribe_pending(self, w3: AsyncWeb3[Any]) -> tuple[Any, MempoolMode]:
        """Full transactions if the node will, else hashes (looked up), else none."""
        sub = await self._optional(w3, "newPendingTransactions", True)
        if sub is not None:
            return sub, "full"
        if self.on_pending_hash is not None:
            sub = await self._optional(w3, "newPendingTransactions")
            if sub is not None:
                return sub, "hashes"
        log.warning("chain.mempool_unavailable", reason="the node refuses pending "
                    "transaction subscriptions; no transaction is flagged private")
        return None, "unavailable"

    def _pending(self, result: Any) -> None:
        if isinstance(result, Mapping):
            if self.on_pending is not None:
                self.on_pending(dict(result))
            if self.mempool == "hashes":  # NOTE: ganache-style nodes ignore the flag
                self._set_mempool("full")
        elif self.on_pending_hash is not None:
            value = result.to_0x_hex() if hasattr(result, "to_0x_hex") else str(result)
            self.on_pending_hash(value.lower())
            if self.mempool == "full":  # asked for full txs, got hashes (ganache)
                self._set_mempool("hashes")

    async def _session(self, url: str) -> None:
        async with AsyncWeb3(WebSocketProvider(url, max_connection_retries=1)) as w3:
            try:
                head_sub = await w3.eth.subscribe("newHeads")
            except Web3RPCError as exc:
                self.heads_refused = True
                raise HeadsRefused(f"{url} refuses newHeads: {exc}") from exc
            log_sub = await self._optional(w3, "logs", {"address": self.watched}) \
                if self.watched else None
            pending_sub: Any = None
            mode: MempoolMode = "off"
            if self.on_pending is not None:
                pending_sub, mode = await self._subscribe_pending(w3)
            self.capabilities = {"newHeads": True, "logs": log_sub is not None or None,
                                 "pending": mode}
            self._set_mempool(mode)
            self.connected.set()
            log.info("chain.subscribed", url=url, mempool=mode)
            async for message in w3.socket.process_subscriptions():
                subscription = message["subscription"]
                if subscription == head_sub:
                    self.on_head()
                elif subscription == log_sub:
                    self.watched_logs += 1
                    log.info("chain.watched_log", address=str(message["result"]["address"]))
                    self.on_head()
                elif pending_sub is not None and subscription == pending_sub:
                    self._pending(message["result"])

    async def run(self, stop: asyncio.Event) -> None:
        """Run until ``stop``; on any disconnect, back off and move to the next URL."""
        attempt = 0
        while not stop.is_set() and self.ws_urls:
            url = self.ws_urls[attempt % len(self.ws_urls)]
            session = await unless_stopped(self._session(url), stop)
            if session is None:
                break
            self.connected.clear()
            if self.mempool != "off":
                self._set_mempool("disconnected")
            error = session.exception()
            if isinstance(error, HeadsRefused):
                log.error("chain.subscriptions_unavailable", url=url, error=str(error)[:200],
                          fallback="polling over HTTP every chain.poll_interval_s")
                self.capabilities = {"newHeads": False, "logs": None, "pending": "unavailable"}
                self._set_mempool("unavailable")
                return
            attempt += 1
            self.reconnects += 1
            delay = min(0.1 * 2 ** min(attempt, 10), self.max_backoff_s)
            log.warning("chain.subscription_lost", url=url, error=repr(error)[:200],
                        retry_in_s=delay)
            self.on_head()  # NOTE: wake the follower so it fills any gap over HTTP now
            await sleep_or_stop(stop, delay)
