"""Start and stop a local Anvil node (the binary from the npm package, installed by make).

Used by tests, the demo, the scenario runner and benchmarks. Anvil listens on
127.0.0.1 only and is killed with its process group when we are done.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

import httpx

from hafeniq_chain.log import get_logger

log = get_logger(__name__)

REPO_ROOT = Path(__file__).resolve().parents[2]
NPM_BINARY = REPO_ROOT / "tools/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil"


class AnvilError(RuntimeError):
    """Anvil could not be found or did not come up."""


def find_anvil() -> Path:
    """The Anvil binary: the one `make setup` put under tools/, else one on PATH."""
    if NPM_BINARY.exists():
        return NPM_BINARY
    found = shutil.which("anvil")
    if found:
        return Path(found)
    raise AnvilError(f"anvil not found at {NPM_BINARY} or on PATH; run `make setup`")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class AnvilOptions:
    """The knobs tests and scenarios need; everything else stays Anvil's default."""

    port: int = 0
    chain_id: int = 31337
    block_time: float | None = None     # None = automine
    no_mining: bool = False             # manual mining only (evm_mine / anvil_mine)
    accounts: int = 10
    balance_eth: int = 10_000
    fork_url: str | None = None
    fork_block_number: int | None = None
    load_state: Path | None = None
    dump_state: Path | None = None
    preserve_historical_states: bool = False
    gas_limit: int | None = None
    extra_args: list[str] = field(default_factory=list)


class AnvilNode:
    """A running Anvil process; use as a context manager or call start/stop."""

    def __init__(self, options: AnvilOptions | None = None) -> None:
        self.options = options or AnvilOptions()
        self.port = self.options.port or free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        o = self.options
        cmd = [str(find_anvil()), "--host", "127.0.0.1", "--port", str(self.port),
               "--chain-id", str(o.chain_id), "--accounts", str(o.accounts),
               "--balance", str(o.balance_eth), "--silent"]
        if o.block_time is not None:
            cmd += ["--block-time", str(o.block_time)]
        if o.no_mining:
            cmd += ["--no-mining"]
        if o.fork_url:
            cmd += ["--fork-url", o.fork_url]
        if o.fork_block_number is not None:
            cmd += ["--fork-block-number", str(o.fork_block_number)]
        if o.load_state:
            cmd += ["--load-state", str(o.load_state)]
        if o.dump_state:
            cmd += ["--dump-state", str(o.dump_state)]
        if o.preserve_historical_states:
            cmd += ["--preserve-historical-states"]
        elif "--prune-history" not in o.extra_args:  # that one already persists nothing
            # NOTE: Anvil otherwise persists old states under ~/.foundry/anvil/tmp and leaves
            # them behind when it exits: a 10k-transaction world run left GBs, a day of runs
            # filled the disk. Nothing here reads state older than what Anvil keeps in memory.
            cmd += ["--max-persisted-states", "0"]
        if o.gas_limit:
            cmd += ["--gas-limit", str(o.gas_limit)]
        return cmd + o.extra_args

    def start(self, timeout_s: float = 20.0) -> AnvilNode:
        """Launch Anvil and wait until it answers ``eth_chainId``."""
        self.process = subprocess.Popen(
            self.command(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                err = self.process.stderr.read().decode() if self.process.stderr else ""
                raise AnvilError(f"anvil exited with {self.process.returncode}: {err.strip()}")
            try:
                r = httpx.post(self.http_url, json={"jsonrpc": "2.0", "id": 1,
                                                    "method": "eth_chainId", "params": []},
                               timeout=1.0)
                if r.status_code == 200:
                    log.info("anvil.started", url=self.http_url, pid=self.process.pid)
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        self.stop()
        raise AnvilError(f"anvil did not answer on {self.http_url} within {timeout_s}s")

    def stop(self, *, kill: bool = False) -> None:
        """SIGTERM (lets ``--dump-state`` write) or SIGKILL; waits for the process to end."""
        if self.process is None or self.process.poll() is not None:
            return
        sig = signal.SIGKILL if kill else signal.SIGTERM
        try:
            os.killpg(self.process.pid, sig)
        except ProcessLookupError:
            return
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)
        log.info("anvil.stopped", url=self.http_url, killed=kill)

    def __enter__(self) -> AnvilNode:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
