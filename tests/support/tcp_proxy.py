"""A TCP proxy to the session's PostgreSQL unix socket that a test can cut and restore:
from the daemon's side, a real network outage (connections reset, then refused)."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from urllib.parse import parse_qs, urlsplit


def unix_socket_of(dsn: str) -> Path:
    """The ``.s.PGSQL.<port>`` socket of an embedded server's DSN (``?host=<dir>``)."""
    directory = Path(parse_qs(urlsplit(dsn).query)["host"][0])
    (socket,) = [p for p in directory.glob(".s.PGSQL.*") if p.suffix != ".lock"]
    return socket


class CuttableProxy:
    """127.0.0.1:``port`` -> ``target`` unix socket; ``cut()`` drops every connection and
    stops listening, ``restore()`` listens again on the same port."""

    def __init__(self, target: Path, port: int) -> None:
        self.target, self.port = target, port
        self._server: asyncio.Server | None = None
        self._pipes: set[asyncio.Task[None]] = set()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_unix_connection(str(self.target))
        except OSError:
            writer.close()
            return
        for src, dst in ((reader, up_writer), (up_reader, writer)):
            task = asyncio.create_task(self._pipe(src, dst))
            self._pipes.add(task)
            task.add_done_callback(self._pipes.discard)

    async def restore(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port,
                                                  reuse_address=True)

    async def cut(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for task in list(self._pipes):
            task.cancel()
        with contextlib.suppress(Exception):
            await asyncio.gather(*self._pipes, return_exceptions=True)
