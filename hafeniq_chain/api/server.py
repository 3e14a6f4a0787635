"""Running the API with uvicorn inside an existing event loop (daemon or standalone)."""

from __future__ import annotations

import uvicorn
from fastapi import FastAPI

from hafeniq_chain.log import get_logger

log = get_logger(__name__)


def parse_listen(listen: str) -> tuple[str, int]:
    """``HOST:PORT`` -> (host, port), with a clear error for anything else."""
    host, sep, port = listen.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"--listen must be HOST:PORT, got {listen!r}")
    return host, int(port)


def build_server(app: FastAPI, listen: str) -> uvicorn.Server:
    """A uvicorn server for ``app``; ``await server.serve()`` runs it in the current loop."""
    host, port = parse_listen(listen)
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False,
                            lifespan="off")
    return uvicorn.Server(config)


async def serve_app(app: FastAPI, listen: str) -> None:
    """Serve until SIGINT/SIGTERM (uvicorn installs the handlers and drains requests)."""
    server = build_server(app, listen)
    log.info("api.listening", listen=listen)
    await server.serve()
