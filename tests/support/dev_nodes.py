"""Hardhat 2 and ganache from npm (``make nodes``, run by ``make setup``) as test nodes.

Each starts on a free loopback port, with automining and unlocked dev accounts, and is
stopped (process group killed) on exit. ``dev_node("anvil")`` returns the project's
AnvilNode so a compatibility test can be parametrized over all three.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from hafeniq_chain.chain.anvil import AnvilNode, AnvilOptions, free_port

NODES_DIR = Path(__file__).resolve().parents[2] / "tools" / "nodes"
BIN = NODES_DIR / "node_modules" / ".bin"
CHAIN_IDS = {"anvil": 31337, "hardhat": 31337, "ganache": 1337}


class DevNode:
    """A running Hardhat or ganache node."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.port = free_port()
        self.chain_id = CHAIN_IDS[kind]
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        if self.kind == "hardhat":
            return [str(BIN / "hardhat"), "node", "--hostname", "127.0.0.1", "--port",
                    str(self.port)]
        return [str(BIN / "ganache"), "--host", "127.0.0.1", "--port", str(self.port),
                "--chain.chainId", str(self.chain_id), "--wallet.deterministic",
                "--logging.quiet"]

    def start(self, timeout_s: float = 40.0) -> DevNode:
        binary = Path(self.command()[0])
        if not binary.exists():
            pytest.fail(f"{binary} is missing: run `make setup` (its `nodes` step installs "
                        "Hardhat 2 and ganache into tools/nodes)")
        env = {**os.environ, "HARDHAT_DISABLE_TELEMETRY_PROMPT": "true"}
        self.process = subprocess.Popen(self.command(), cwd=NODES_DIR, env=env,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                        start_new_session=True)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.kind} exited: {self.process.stderr.read()!r}"
                                   if self.process.stderr else f"{self.kind} exited")
            with contextlib.suppress(httpx.HTTPError):
                answer = httpx.post(self.http_url, json={"jsonrpc": "2.0", "id": 1,
                                                         "method": "eth_chainId", "params": []})
                if answer.status_code == 200 and "result" in answer.json():
                    return self
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"{self.kind} did not answer within {timeout_s}s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)
        self.process = None


@contextlib.contextmanager
def dev_node(kind: str) -> Iterator[AnvilNode | DevNode]:
    """A fresh automining node of ``kind`` (anvil, hardhat or ganache)."""
    if kind == "anvil":
        with AnvilNode(AnvilOptions()) as anvil:
            yield anvil
        return
    node = DevNode(kind).start()
    try:
        yield node
    finally:
        node.stop()
