"""Start-up checks as a user meets them (issue 18.6, 18.8): `run` against an unreachable,
non-JSON-RPC or wrong-chain node, or an unreachable or refusing database, ends within
seconds with ONE line saying what is wrong and a non-zero status; `--wait` keeps retrying."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import asyncpg
import pytest
from aiohttp import web
from web3 import Web3

from hafeniq_chain.chain.anvil import AnvilNode, AnvilOptions, free_port
from tests.support.cli import REPO, run_cli
from tests.support.local_http import serve_app

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def anvil_1337() -> Iterator[AnvilNode]:
    """A real node of another chain (ganache's and Hardhat's default id)."""
    with AnvilNode(AnvilOptions(chain_id=1337)) as node:
        yield node


@contextlib.asynccontextmanager
async def web_page() -> AsyncIterator[str]:
    """A real HTTP server that is not a node: it answers every request with an HTML page."""
    async def page(_: web.Request) -> web.Response:
        return web.Response(text="<html><body>It works!</body></html>", content_type="text/html")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", page)
    async with serve_app(app) as url:
        yield url


def one_clear_line(stderr: str) -> str:
    """The run printed exactly one error line, no traceback."""
    assert "Traceback" not in stderr, stderr[-3000:]
    errors = [line for line in stderr.splitlines() if line.startswith("cannot start:")]
    assert len(errors) == 1, stderr[-3000:]
    return errors[0]


async def start(dsn: str, rpc: str, *extra: str) -> tuple[int, str, float]:
    began = time.monotonic()
    out = await run_cli("--dsn", dsn, "run", "--rpc", rpc, *extra, within_s=60)
    return out.returncode, out.stderr, time.monotonic() - began


@contextlib.asynccontextmanager
async def password_role(pg_server: str) -> AsyncIterator[str]:
    """A role that must log in with a password (scram) on the session's server: one
    pg_hba.conf line for that role only, so the other tests keep trust logins."""
    role = f"pw_{uuid.uuid4().hex[:10]}"
    pgdata = Path(parse_qs(urlsplit(pg_server).query)["host"][0])
    hba = pgdata / "pg_hba.conf"
    original = hba.read_text()
    admin = await asyncpg.connect(pg_server)
    try:
        await admin.execute(f"CREATE ROLE {role} LOGIN PASSWORD 'right-one'")
        hba.write_text(f"local all {role} scram-sha-256\n" + original)
        await admin.execute("SELECT pg_reload_conf()")
        yield role
    finally:
        hba.write_text(original)
        await admin.execute("SELECT pg_reload_conf()")
        await admin.execute(f"DROP ROLE IF EXISTS {role}")
        await admin.close()


async def test_each_bad_start_is_one_line_within_seconds(
        empty_dsn: str, anvil: AnvilNode, anvil_1337: AnvilNode, pg_server: str) -> None:
    """Five ways to start wrong, run side by side (each a real `run` process)."""
    port = free_port()
    socket_dir = parse_qs(urlsplit(pg_server).query)["host"][0]
    async with web_page() as page, password_role(pg_server) as role:
        good = f"postgresql://{role}:right-one@/postgres?host={socket_dir}"
        (await asyncpg.connect(good)).terminate()  # the role works with its password
        cases = {
            "unreachable node": (empty_dsn, f"ws://127.0.0.1:{free_port()}"),
            "web page": (empty_dsn, page),
            "other chain": (empty_dsn, anvil_1337.ws_url),
            "no postgres": (f"postgresql://postgres@127.0.0.1:{port}/hafeniq", anvil.ws_url),
            "wrong password": (good.replace("right-one", "wrong-one"), anvil.ws_url),
        }
        results = await asyncio.gather(*(start(dsn, rpc) for dsn, rpc in cases.values()))
    lines = {}
    for name, (code, err, took) in zip(cases, results, strict=True):
        lines[name] = one_clear_line(err)
        # NOTE: ~4 s on an idle machine, mostly imports (the probe is bounded at 5 s, the
        # database at 10 s); the bound allows a loaded CI box yet fails the old behaviour
        # (retrying for minutes until the error budget ran out).
        assert code == 1 and took < 90, (name, code, took, err[-2000:])
    assert "cannot be reached (connection refused)" in lines["unreachable node"]
    assert "--wait" in lines["unreachable node"]
    assert "not a JSON-RPC endpoint" in lines["web page"]
    assert "serves chain id 1337 but chain.chain_id is 31337" in lines["other chain"]
    assert f"no PostgreSQL listening at postgres@127.0.0.1:{port}/hafeniq" in lines["no postgres"]
    wrong = lines["wrong password"]
    assert f"database {role}@localhost/postgres refused the login" in wrong
    assert "password authentication failed" in wrong and "wrong-one" not in wrong
    conn = await asyncpg.connect(empty_dsn)
    try:  # nothing was done to the database while the node was wrong
        assert await conn.fetchval("SELECT to_regclass('blocks')") is None
    finally:
        await conn.close()


async def test_wait_retries_until_the_node_comes_up(empty_dsn: str) -> None:
    """`run --wait` on a node that is not there yet: keeps waiting (logged), then follows."""
    port = free_port()
    env = {**os.environ, "HAFENIQ_API__ENABLED": "false", "HAFENIQ_CHAIN__POLL_INTERVAL_S": "0.2"}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "hafeniq_chain", "--dsn", empty_dsn, "run", "--wait",
        "--rpc", f"ws://127.0.0.1:{port}", "--from", "0", cwd=REPO, env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    assert proc.stderr is not None
    try:
        waited = 0
        while waited < 2:  # two retries logged, still running
            line = (await asyncio.wait_for(proc.stderr.readline(), 20)).decode()
            waited += "chain.node_waiting" in line
        assert proc.returncode is None
        with AnvilNode(AnvilOptions(port=port)) as node:
            w3 = Web3(Web3.HTTPProvider(node.http_url))
            w3.eth.send_transaction({"from": w3.eth.accounts[0], "to": w3.eth.accounts[1],
                                     "value": 1})
            node_head = w3.eth.block_number
            conn = await asyncpg.connect(empty_dsn)
            try:
                deadline = time.monotonic() + 30
                stored = None
                while time.monotonic() < deadline and (stored or -1) < node_head:
                    await asyncio.sleep(0.3)
                    with contextlib.suppress(asyncpg.UndefinedTableError):
                        stored = await conn.fetchval(
                            "SELECT block_number FROM cursors WHERE name = 'head'")
                assert stored is not None and stored >= node_head >= 1
            finally:
                await conn.close()
    finally:
        proc.terminate()
        await asyncio.wait_for(proc.wait(), 20)
