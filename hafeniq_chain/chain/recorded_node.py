"""A JSON-RPC node that serves recorded blocks: real data, no chain, almost no cost.

Tests run ``hafeniq-chain run`` / ``backfill`` over real mainnet blocks through it, and
benchmarks use it as a node whose own cost is negligible: every answer is serialised once
(orjson) when the node is built, so a request costs a dict look-up and a few byte joins.
HTTP POST and WebSocket on one port (like Anvil and geth), JSON-RPC batches, ``newHeads``
/ ``logs`` / ``newPendingTransactions`` subscriptions. The head starts at the first block
and advances when told (``reveal``) or on a timer (``advance_every_s``), so the live
follower can be tested. A ``NodeProfile`` makes it behave like nodes that lack methods or
subscribe differently (Hardhat, ganache), so fallbacks are testable without them.

``with RecordedNode(...)`` serves from a background thread (for sync callers and
subprocesses); ``async with`` serves on the running loop. ``python -m
hafeniq_chain.chain.recorded_node DIR`` serves a directory from its own process.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import socket
import threading
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import orjson
from aiohttp import WSMsgType, web

from hafeniq_chain.chain.recorded_blocks import RecordedBlock, load_dir
from hafeniq_chain.chain.recorded_state import NodeProfile, RecordedIndex, RpcFailure
from hafeniq_chain.log import get_logger

log = get_logger(__name__)

__all__ = ["NodeProfile", "RecordedBlock", "RecordedNode"]


def _response(request_id: Any, result: bytes | None = None,
              error: RpcFailure | None = None) -> bytes:
    head = b'{"jsonrpc":"2.0","id":' + orjson.dumps(request_id)
    if error is not None:
        return head + b',"error":' + orjson.dumps({"code": error.code,
                                                   "message": error.message}) + b"}"
    return head + b',"result":' + (result if result is not None else b"null") + b"}"


class RecordedNode:
    """Serves ``blocks`` on 127.0.0.1 (a free port unless ``port`` is given)."""

    def __init__(self, blocks: Sequence[RecordedBlock], *, profile: NodeProfile | None = None,
                 revealed: int = 1, advance_every_s: float | None = None,
                 host: str = "127.0.0.1", port: int = 0) -> None:
        self.index = RecordedIndex(blocks, profile or NodeProfile())
        self.index.reveal_to(revealed)
        self.advance_every_s = advance_every_s
        self.calls: Counter[str] = Counter()
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((host, port))
        self.host, self.port = self._sock.getsockname()[:2]
        self._subs: dict[str, tuple[web.WebSocketResponse, str, Any]] = {}
        self._sub_ids = itertools.count(1)
        self._sockets: set[web.WebSocketResponse] = set()
        self._runner: web.AppRunner | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ticker: asyncio.Task[None] | None = None

    @classmethod
    def from_dir(cls, path: Path | str, **kwargs: Any) -> RecordedNode:
        return cls(load_dir(path), **kwargs)

    @property
    def http_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://{self.host}:{self.port}"

    @property
    def head(self) -> int:
        return self.index.head

    @property
    def block_numbers(self) -> list[int]:
        return list(self.index.numbers)

    # --- serving --------------------------------------------------------------------------

    def _answer(self, call: Any, ws: web.WebSocketResponse | None) -> bytes:
        if not isinstance(call, dict) or not isinstance(call.get("method"), str):
            return _response(None, error=RpcFailure(-32600, "invalid request"))
        method, params = call["method"], call.get("params") or []
        self.calls[method] += 1
        try:
            if method in self.index.profile.missing:
                return _response(call.get("id"), self.index.answer(method, params))
            if method == "eth_subscribe":
                return _response(call.get("id"), orjson.dumps(self._subscribe(params, ws)))
            if method == "eth_unsubscribe":
                return _response(call.get("id"),
                                 b"true" if self._subs.pop(str(params[0]), None) else b"false")
            return _response(call.get("id"), self.index.answer(method, params))
        except RpcFailure as failure:
            return _response(call.get("id"), error=failure)
        except (IndexError, KeyError, TypeError, ValueError, AttributeError) as exc:
            return _response(call.get("id"), error=RpcFailure(-32602, f"invalid params: {exc}"))

    def _handle(self, body: bytes, ws: web.WebSocketResponse | None) -> bytes:
        try:
            request = orjson.loads(body)
        except orjson.JSONDecodeError:
            return _response(None, error=RpcFailure(-32700, "parse error"))
        if isinstance(request, list):
            if not request:
                return _response(None, error=RpcFailure(-32600, "empty batch"))
            return b"[" + b",".join(self._answer(c, ws) for c in request) + b"]"
        return self._answer(request, ws)

    def _subscribe(self, params: list[Any], ws: web.WebSocketResponse | None) -> str:
        if ws is None:
            raise RpcFailure(-32601, "notifications not supported over HTTP")
        kind = params[0]
        self.index.profile.check_subscription(kind, params[1:])
        sub_id = hex(next(self._sub_ids))
        self._subs[sub_id] = (ws, kind, params[1] if len(params) > 1 else None)
        return sub_id

    async def _http(self, request: web.Request) -> web.StreamResponse:
        if request.method == "GET":
            return await self._websocket(request)
        return web.Response(body=self._handle(await request.read(), None),
                            content_type="application/json")

    async def _websocket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        self._sockets.add(ws)
        try:
            async for message in ws:
                if message.type == WSMsgType.TEXT:
                    await ws.send_str(self._handle(message.data.encode(), ws).decode())
                elif message.type == WSMsgType.BINARY:
                    await ws.send_bytes(self._handle(message.data, ws))
        finally:
            self._sockets.discard(ws)
            for sub_id in [s for s, (owner, _, _) in self._subs.items() if owner is ws]:
                del self._subs[sub_id]
        return ws

    async def _notify(self, kind: str, payloads: Sequence[tuple[bytes, dict[str, Any]]]
                      ) -> int:
        """Send ``payloads`` (bytes + the dict a filter looks at) to ``kind`` subscribers."""
        sent = 0
        for sub_id, (ws, sub_kind, arg) in list(self._subs.items()):
            if sub_kind != kind or ws.closed:
                continue
            prefix = (b'{"jsonrpc":"2.0","method":"eth_subscription","params":'
                      b'{"subscription":"' + sub_id.encode() + b'","result":')
            for payload, fields in payloads:
                if kind == "logs" and not self.index.log_matches(fields, arg):
                    continue
                if kind == "newPendingTransactions":
                    payload = self.index.pending_payload(payload, fields, arg)
                try:
                    await ws.send_str((prefix + payload + b"}}").decode())
                    sent += 1
                except ConnectionError:
                    break
        return sent

    # --- head control ---------------------------------------------------------------------

    async def reveal_async(self, count: int = 1, *, pending_first: bool = True) -> int:
        """Advance the head by ``count`` recorded blocks; each block's transactions are
        announced as pending first (when asked), then its header goes to ``newHeads``."""
        for block in self.index.upcoming(count):
            if pending_first:
                await self._notify("newPendingTransactions", self.index.pending_of(block))
            self.index.reveal_to(self.index.revealed + 1)
            await self._notify("newHeads", [(self.index.header_bytes(block), {})])
            await self._notify("logs", self.index.logs_of(block))
        return self.index.head

    async def reorg_async(self, blocks: Sequence[RecordedBlock]) -> int:
        """Replace the chain from the lowest of ``blocks`` on (e.g. ``contiguous(...,
        parent_hash=<ancestor hash>, salt="b")``); ``newHeads`` for each new block, as a
        node does when it switches branch. Returns the new head."""
        self.index.replace_from(blocks)
        for block in sorted(b.number for b in blocks):
            await self._notify("newHeads", [(self.index.header_bytes(block), {})])
        return self.index.head

    def reorg(self, blocks: Sequence[RecordedBlock]) -> int:
        """``reorg_async`` from another thread (``with`` mode)."""
        return int(self._call(self.reorg_async(blocks)))

    async def announce_pending_async(self) -> int:
        """Send the next unrevealed block's transactions as pending, without revealing it."""
        upcoming = self.index.upcoming(1)
        if not upcoming:
            return 0
        return await self._notify("newPendingTransactions", self.index.pending_of(upcoming[0]))

    def _call(self, coro: Any) -> Any:
        if self._thread is not None and self._loop is not None:
            return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout=30)
        return asyncio.get_event_loop().run_until_complete(coro)

    def reveal(self, count: int = 1, *, pending_first: bool = True) -> int:
        """``reveal_async`` from a thread other than the node's (``with`` mode)."""
        return int(self._call(self.reveal_async(count, pending_first=pending_first)))

    def reveal_all(self) -> int:
        return self.reveal(len(self.index.numbers))

    def announce_pending(self) -> int:
        return int(self._call(self.announce_pending_async()))

    async def _advance(self, interval_s: float) -> None:
        while self.index.upcoming(1):
            await asyncio.sleep(interval_s)
            await self.reveal_async()

    # --- lifecycle ------------------------------------------------------------------------

    async def start_async(self) -> RecordedNode:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/", self._http)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        await web.SockSite(self._runner, self._sock).start()
        if self.advance_every_s:
            self._ticker = asyncio.ensure_future(self._advance(self.advance_every_s))
        log.info("recorded_node.started", url=self.http_url, blocks=len(self.index.numbers),
                 head=self.head)
        return self

    async def stop_async(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
        for ws in list(self._sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def start(self) -> RecordedNode:
        """Serve from a background thread with its own event loop."""
        ready = threading.Event()

        def serve() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            loop.run_until_complete(self.start_async())
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self.stop_async())
            loop.close()

        self._thread = threading.Thread(target=serve, name="recorded-node", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("recorded node did not start within 10 s")
        return self

    def stop(self) -> None:
        if self._thread is not None and self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
            self._thread = None

    def __enter__(self) -> RecordedNode:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def __aenter__(self) -> RecordedNode:
        return await self.start_async()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop_async()


def main(argv: Sequence[str] | None = None) -> None:
    """Serve a directory of recordings until interrupted (for benchmarks and by hand)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--port", type=int, default=8545)
    parser.add_argument("--chain-id", type=int, default=1)
    parser.add_argument("--advance-every", type=float, default=None,
                        help="seconds between revealed blocks (default: all revealed)")
    args = parser.parse_args(argv)
    blocks = load_dir(args.directory)
    node = RecordedNode(blocks, profile=NodeProfile(chain_id=args.chain_id), port=args.port,
                        revealed=1 if args.advance_every else len(blocks),
                        advance_every_s=args.advance_every)

    async def forever() -> None:
        async with node:
            print(f"serving {len(blocks)} blocks on {node.http_url} and {node.ws_url}",
                  flush=True)
            await asyncio.Event().wait()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(forever())


if __name__ == "__main__":
    main()
