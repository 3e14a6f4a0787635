"""WebSocket subscriptions (newHeads, newPendingTransactions) with reconnect + backoff.

A new head only *wakes* the follower; the follower always works from the stored
cursor, so anything missed while disconnected is filled on the next catch-up.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any

from web3 import AsyncWeb3, WebSocketProvider

from hafeniq_chain.aio import sleep_or_stop
from hafeniq_chain.log import get_logger

log = get_logger(__name__)


class Subscriber:
    """Keeps subscriptions alive across URLs; calls ``on_head``/``on_pending`` per message."""

    def __init__(self, ws_urls: Sequence[str], on_head: Callable[[], None],
                 on_pending: Callable[[dict[str, Any]], None] | None = None,
                 watched: Sequence[str] = (), max_backoff_s: float = 10.0) -> None:
        self.ws_urls = [u for u in ws_urls if u.startswith(("ws://", "wss://"))]
        self.on_head = on_head
        self.on_pending = on_pending
        self.watched = [w.lower() for w in watched]
        self.watched_logs = 0
        self.max_backoff_s = max_backoff_s
        self.connected = asyncio.Event()
        self.reconnects = 0

    async def _session(self, url: str) -> None:
        async with AsyncWeb3(WebSocketProvider(url, max_connection_retries=1)) as w3:
            head_sub = await w3.eth.subscribe("newHeads")
            log_sub = None
            if self.watched:
                # NOTE: a watched contract's log wakes the follower at once; the log itself
                # is indexed from the block's receipts like every other log.
                log_sub = await w3.eth.subscribe("logs", {"address": self.watched})
            if self.on_pending is not None:
                await w3.eth.subscribe("newPendingTransactions", True)
            self.connected.set()
            log.info("chain.subscribed", url=url, mempool=self.on_pending is not None)
            async for message in w3.socket.process_subscriptions():
                if message["subscription"] == head_sub:
                    self.on_head()
                elif message["subscription"] == log_sub:
                    self.watched_logs += 1
                    log.info("chain.watched_log", address=str(message["result"]["address"]))
                    self.on_head()
                elif self.on_pending is not None:
                    self.on_pending(dict(message["result"]))

    async def run(self, stop: asyncio.Event) -> None:
        """Run until ``stop``; on any disconnect, back off and move to the next URL."""
        attempt = 0
        while not stop.is_set() and self.ws_urls:
            url = self.ws_urls[attempt % len(self.ws_urls)]
            session = asyncio.ensure_future(self._session(url))
            stopper = asyncio.ensure_future(stop.wait())
            done, _ = await asyncio.wait({session, stopper}, return_when=asyncio.FIRST_COMPLETED)
            stopper.cancel()
            if session not in done:
                session.cancel()
                break
            self.connected.clear()
            error = session.exception()
            attempt += 1
            self.reconnects += 1
            delay = min(0.1 * 2 ** min(attempt, 10), self.max_backoff_s)
            log.warning("chain.subscription_lost", url=url, error=repr(error)[:200],
                        retry_in_s=delay)
            self.on_head()  # NOTE: wake the follower so it fills any gap over HTTP now
            await sleep_or_stop(stop, delay)
