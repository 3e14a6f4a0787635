"""The one error type for "this process cannot start": a dependency is missing or wrong.

A user who points the daemon at the wrong node or gives a wrong database password should
read ONE line saying what is wrong and what to do, and get a non-zero exit within seconds,
not a retry loop or a 90-line traceback. The CLI catches ``StartupError`` and prints its
message (``commands/common.py``); ``--wait`` turns the check into a retry loop instead.
"""

from __future__ import annotations

from urllib.parse import urlsplit


class StartupError(RuntimeError):
    """A dependency (node, database) is unreachable or unusable; the message is for people."""


def redact_url(url: str) -> str:
    """``scheme://host:port`` plus ``/…`` when there is a path: paths and queries of hosted
    RPC URLs often hold API keys, and user:password@ is never shown."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    tail = "/…" if (parts.path not in ("", "/") or parts.query) else ""
    return f"{parts.scheme}://{host}{tail}"
