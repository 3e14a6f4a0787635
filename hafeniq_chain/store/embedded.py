"""An embedded PostgreSQL (PyPI ``pgserver``) so a fresh machine needs no database setup.

The server lives in the data directory and listens on a unix socket only, so it
never collides with another PostgreSQL on the machine.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from hafeniq_chain.log import get_logger

log = get_logger(__name__)


class EmbeddedPostgres:
    """Start (or join) the embedded server in ``data_dir``; ``stop`` shuts it down cleanly."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self._server: Any = None

    def start(self) -> str:
        """Start the server if needed and return its DSN."""
        # NOTE: pgserver keeps its lock file in the runtime dir; give it a stable one when
        # the environment has none (containers, CI) instead of letting it warn on every start.
        runtime = Path(os.environ.setdefault("XDG_RUNTIME_DIR", f"/tmp/runtime-{os.getuid()}"))
        runtime.mkdir(mode=0o700, parents=True, exist_ok=True)
        runtime.chmod(0o700)
        import pgserver  # imported late: it is heavy and unused when a DSN is given

        pgdata = self.data_dir / "pgdata"
        pgdata.mkdir(parents=True, exist_ok=True)
        get_server = pgserver.get_server  # type: ignore[attr-defined]
        self._server = get_server(pgdata, cleanup_mode="stop")
        dsn: str = self._server.get_uri()
        log.info("store.embedded_started", pgdata=str(pgdata))
        return dsn

    def stop(self) -> None:
        """Stop the server unless another process still uses it (pgserver counts handles)."""
        if self._server is not None:
            self._server._cleanup()
            self._server = None
            log.info("store.embedded_stopped", pgdata=str(self.data_dir / "pgdata"))
