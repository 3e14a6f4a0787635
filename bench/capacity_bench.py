"""Capacity of one replica: transactions per second followed (one and two chains) and
withdrawal scores per second (owner, and through a replica that forwards to the owner).

Following: ``bench/chain_builder`` chains (150 transactions a block) on one Anvil per chain,
then a real ``hafeniq-chain run`` process with a ``[[chains]]`` config catches up from
block 0 with every detector on; the rate is transactions over the span of the blocks'
``indexed_at`` (process start-up excluded). Scoring: two ``serve`` processes with
``api.scoring_replicas`` on one database seeded with 60 days of history for 200 accounts;
16 closed-loop clients for 8 s against the tenant's owner, then against the other process
(every request forwarded). Figures are wall-clock on the machine at hand, with the load
average printed beside them: on a shared machine they are lower bounds.
``python -m bench.capacity_bench [BLOCKS]`` runs it alone.
"""

from __future__ import annotations

import asyncio
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import httpx

from bench.chain_builder import build_chain
from hafeniq_chain.api.keys import create_api_key
from hafeniq_chain.chain.anvil import AnvilNode, AnvilOptions, free_port
from hafeniq_chain.offchain.synthetic import benign_withdrawals, make_population
from hafeniq_chain.store.database import create_pool
from hafeniq_chain.store.embedded import EmbeddedPostgres
from hafeniq_chain.store.migrator import migrate

REPO = Path(__file__).resolve().parents[1]
BLOCKS, TXS_PER_BLOCK = 30, 150
CLIENTS, SECONDS = 16, 8.0


def _cli(dsn: str, *args: str, env: dict[str, str] | None = None,
         log: Path | None = None) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "hafeniq_chain", "--dsn", dsn, *args], cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=log.open("wb") if log else subprocess.DEVNULL, env={**os.environ, **(env or {})})


async def _follow_rate(dsn: str, nodes: list[AnvilNode], heads: list[int], tmp: Path
                       ) -> tuple[int, float]:
    """(transactions, seconds) for one `run` process following ``nodes`` from block 0."""
    config = tmp / "chains.toml"
    config.write_text("".join(
        f'[[chains]]\nname = "c{i}"\nchain_id = {31337 + i}\nrpc_urls = ["{n.http_url}"]\n'
        f"poll_interval_s = 0.2\n" for i, n in enumerate(nodes)))
    proc = _cli(dsn, "--config", str(config), "run", "--from", "0",
                env={"HAFENIQ_API__ENABLED": "false"})
    conn = None
    try:
        for _ in range(600):
            try:
                conn = conn or await asyncpg.connect(dsn)
                done = {r["chain_id"]: r["block_number"] for r in await conn.fetch(
                    "SELECT chain_id, block_number FROM cursors WHERE name = 'head'")}
                if all(done.get(31337 + i, -1) >= h for i, h in enumerate(heads)):
                    break
            except (OSError, asyncpg.PostgresError):
                pass
            await asyncio.sleep(0.5)
        assert conn is not None
        row = await conn.fetchrow(
            "SELECT sum(tx_count) AS txs, extract(epoch FROM max(indexed_at) - "
            "min(indexed_at)) AS seconds FROM blocks")
        return int(row["txs"]), float(row["seconds"])
    finally:
        if conn is not None:
            await conn.close()
        proc.terminate()
        proc.wait(30)


async def _score_rate(url: str, key: str, accounts: list[str]) -> float:
    """Closed-loop requests per second from ``CLIENTS`` concurrent clients."""
    done = 0
    deadline = time.monotonic() + SECONDS
    rng = random.Random(7)

    async def client(c: int) -> None:
        nonlocal done
        async with httpx.AsyncClient(base_url=url, timeout=30,
                                     headers={"Authorization": f"Bearer {key}"}) as http:
            i = 0
            while time.monotonic() < deadline:
                i += 1
                r = await http.post("/v1/withdrawals/score", json={
                    "request_id": f"{url[-5:]}-{c}-{i}", "account_id": rng.choice(accounts),
                    "destination": "0x" + f"{rng.randrange(16**40):040x}", "asset": "USDT",
                    "amount": "120.00", "occurred_at": datetime.now(UTC).isoformat()})
                assert r.status_code == 200, r.text
                done += 1

    started = time.monotonic()
    await asyncio.gather(*(client(c) for c in range(CLIENTS)))
    return done / (time.monotonic() - started)


async def _scoring(dsn: str, tmp: Path) -> tuple[float, float]:
    pool = await create_pool(dsn, max_size=4)
    try:
        await migrate(pool)
        key = await create_api_key(pool, "acme", ["*"])
    finally:
        await pool.close()
    population = make_population(200, seed=3)
    history = benign_withdrawals(population, datetime.now(UTC) - timedelta(days=60), 59, seed=4)
    env = {"HAFENIQ_PRIVACY__PSEUDONYM_KEY": "capacity", "HAFENIQ_API__SCORING_REPLICAS": "true"}
    ports = [free_port(), free_port()]
    procs = [_cli(dsn, "serve", "--listen", f"127.0.0.1:{p}", env=env) for p in ports]
    urls = [f"http://127.0.0.1:{p}" for p in ports]
    try:
        async with httpx.AsyncClient(timeout=60) as http:
            for url in urls:
                for _ in range(600):
                    try:
                        if (await http.get(f"{url}/healthz")).status_code == 200:
                            break
                    except httpx.TransportError:
                        await asyncio.sleep(0.1)
            for i in range(0, len(history), 500):  # urls[0] becomes the tenant's owner
                await http.post(f"{urls[0]}/v1/events", json={"events": history[i:i + 500]},
                                headers={"Authorization": f"Bearer {key}"})
        accounts = [a.account_id for a in population]
        return await _score_rate(urls[0], key, accounts), await _score_rate(urls[1], key,
                                                                            accounts)
    finally:
        for p in procs:
            p.terminate()
            p.wait(30)


def run(blocks: int = BLOCKS) -> list[tuple[str, str]]:
    rows = []
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        nodes = [AnvilNode(AnvilOptions(accounts=100, balance_eth=1_000_000,
                                        gas_limit=60_000_000, chain_id=31337 + i)).start()
                 for i in range(2)]
        try:
            heads = [build_chain(n.http_url, blocks, TXS_PER_BLOCK).last_block for n in nodes]
            for count in (1, 2):
                server = EmbeddedPostgres(tmp / f"pg{count}")
                dsn = server.start()
                try:
                    txs, seconds = asyncio.run(_follow_rate(dsn, nodes[:count], heads[:count],
                                                            tmp))
                finally:
                    server.stop()
                rows.append((f"tx/s followed, {count} chain(s), one replica",
                             f"{txs / seconds:.0f} ({txs} txs in {seconds:.1f} s)"))
        finally:
            for n in nodes:
                n.stop()
        server = EmbeddedPostgres(tmp / "pg-score")
        dsn = server.start()
        try:
            owner, forwarded = asyncio.run(_scoring(dsn, tmp))
        finally:
            server.stop()
    rows += [("score req/s, tenant's owner (16 clients)", f"{owner:.0f}"),
             ("score req/s, via the other replica (forwarded)", f"{forwarded:.0f}"),
             ("load average (1 min) at the end", f"{os.getloadavg()[0]:.1f}")]
    return rows


if __name__ == "__main__":
    for name, value in run(int(sys.argv[1]) if len(sys.argv) > 1 else BLOCKS):
        print(f"{name:48} {value}")
