"""structlog configured once: JSON lines for machines, a pretty console for people.

Event names are stable dotted strings (``chain.reorg``, ``store.migrated``) so that
operators can alert on them; the values travel as keys, never inside the message.

Libraries log through the standard ``logging`` module (asyncpg, asyncio, uvicorn). Their
records go through the same renderer, so the stream stays one JSON object per line even
when asyncpg logs a traceback on every reconnect attempt during a PostgreSQL outage
(``route_stdlib_logging``): the logger name under ``logger``, the exception as one
``error`` string (type and message; the full traceback only at debug level), and known
noisy library messages under stable event names (``LIBRARY_EVENTS``).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog

_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING,
           "error": logging.ERROR}


# (logger, message prefix) -> stable event name
LIBRARY_EVENTS: dict[tuple[str, str], str] = {
    ("asyncpg.pool", "Failed to restore the pool connection floor"): "store.pool_reconnect_failed",
    ("asyncio", "Task exception was never retrieved"): "aio.task_exception_unretrieved",
    ("asyncio", "Future exception was never retrieved"): "aio.future_exception_unretrieved",
}


def _library_record(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """Stable event names, and a one-line ``error`` instead of a multi-line traceback."""
    record: logging.LogRecord | None = event.get("_record")
    if record is None:
        return event
    message = str(event.get("event", ""))
    event["logger"] = record.name
    for (name, prefix), stable in LIBRARY_EVENTS.items():
        if record.name == name and message.startswith(prefix):
            event["event"], event["message"] = stable, message[:300]
            break
    if record.exc_info and record.exc_info[1] is not None:
        exc = record.exc_info[1]
        event["error"] = f"{type(exc).__name__}: {exc}"[:500]
        if record.levelno > logging.DEBUG and logging.getLogger().level > logging.DEBUG:
            event.pop("exc_info", None)
            record.exc_info = None
    return event


def route_stdlib_logging(renderer: structlog.types.Processor,
                         shared: list[structlog.types.Processor], *, level: int,
                         as_json: bool) -> None:
    """One stderr handler on the root logger rendering like structlog; replaces any other."""
    tail: list[structlog.types.Processor] = [
        structlog.stdlib.ProcessorFormatter.remove_processors_meta]
    if as_json:
        tail.append(structlog.processors.format_exc_info)
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*shared, _library_record], processors=[*tail, renderer])
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level)
    logging.captureWarnings(True)


def configure_logging(level: str = "info", *, json: bool | None = None) -> None:
    """Route structlog (and stdlib logging) to stderr; JSON unless stderr is a terminal."""
    as_json = (not sys.stderr.isatty()) if json is None else json
    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer() if as_json else structlog.dev.ConsoleRenderer()
    )
    structlog.configure(
        processors=[*shared, structlog.processors.format_exc_info, renderer]
        if as_json else [*shared, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(_LEVELS[level]),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )
    route_stdlib_logging(renderer, shared, level=max(_LEVELS[level], logging.WARNING),
                         as_json=as_json)


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    """A logger bound to its module name."""
    return structlog.get_logger(name)  # type: ignore[no-any-return]
