"""Open-loop load generator for ``POST /v1/withdrawals/score`` (run as its own process).

Requests are due on a fixed schedule whatever the server's pace; latency is measured
from the due time, so queueing cannot hide (no coordinated omission). A fixed set of
keep-alive connections speaks plain HTTP/1.1 over asyncio streams: a general-purpose
client's per-request overhead would make the generator, not the server, the bottleneck.

Traffic is ordinary users': a random account withdraws to one of its habitual destinations,
or (``new_addr_rate``, as in ``offchain.synthetic``) to an address never seen before.
``every_pair`` instead sends one request per (account, habitual destination), the warm-up.
Prints one JSON line: p50, p99, achieved rate, errors.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from hafeniq_chain.api.server import fast_loop_factory
from hafeniq_chain.offchain.synthetic import random_address

CONNECTIONS = 32
DRAIN_S = 30.0


async def _worker(connection: tuple[asyncio.StreamReader, asyncio.StreamWriter],
                  jobs: asyncio.Queue[tuple[float, bytes]], latencies: list[float],
                  errors: list[int]) -> None:
    reader, writer = connection
    try:
        while True:
            due, request = await jobs.get()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status_line, _, headers = head.partition(b"\r\n")
            length = 0
            for line in headers.split(b"\r\n"):
                name, _, value = line.partition(b":")
                if name.lower() == b"content-length":
                    length = int(value)
            await reader.readexactly(length)
            if b" 200 " in status_line:
                latencies.append(time.perf_counter() - due)
            else:
                errors.append(int(status_line.split()[1]) if status_line else 0)
            jobs.task_done()
    finally:
        writer.close()


def _plan(habits: dict[str, list[str]], rate: float, seconds: float, new_addr_rate: float,
          every_pair: bool, rng: random.Random) -> list[tuple[str, str]]:
    """(account, destination) of each request, in sending order."""
    if every_pair:
        pairs = [(a, d) for a, destinations in habits.items() for d in destinations]
        rng.shuffle(pairs)
        return pairs
    accounts = sorted(habits)
    plan = []
    for _ in range(int(rate * seconds)):
        account = rng.choice(accounts)
        plan.append((account, random_address(rng) if rng.random() < new_addr_rate
                     else rng.choice(habits[account])))
    return plan


async def main(base_url: str, key: str, habits: dict[str, list[str]], rate: float,
               seconds: float, new_addr_rate: float = 0.08, every_pair: bool = False,
               run_id: str = "") -> dict[str, float]:
    url = urlsplit(base_url)
    host = url.hostname or "127.0.0.1"
    rng = random.Random(5)
    latencies: list[float] = []
    errors: list[int] = []
    jobs: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()
    # NOTE: everything is ready before the clock starts (connections open, requests
    # encoded): the schedule then only hands out bytes, so the generator's own work
    # hardly delays what it measures.
    connections = await asyncio.gather(*(asyncio.open_connection(host, url.port or 80)
                                         for _ in range(CONNECTIONS)))
    workers = [asyncio.create_task(_worker(c, jobs, latencies, errors)) for c in connections]
    start_at = datetime.now(UTC)
    head = (f"POST /v1/withdrawals/score HTTP/1.1\r\nHost: {host}\r\n"
            f"Authorization: Bearer {key}\r\nContent-Type: application/json\r\n")
    requests = []
    for i, (account, destination) in enumerate(
            _plan(habits, rate, seconds, new_addr_rate, every_pair, rng)):
        body = json.dumps({
            "request_id": f"bench-{run_id}-{i}", "account_id": account,
            "destination": destination, "asset": "USDT",
            "amount": f"{rng.uniform(100, 2000):.2f}",
            "occurred_at": (start_at + timedelta(seconds=i / rate)).isoformat()}).encode()
        requests.append(f"{head}Content-Length: {len(body)}\r\n\r\n".encode() + body)
    total = len(requests)
    t0 = time.perf_counter()
    for i, request in enumerate(requests):
        due = t0 + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        jobs.put_nowait((due, request))
    # NOTE: bounded drain; requests still queued then are counted, not waited for.
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(jobs.join(), DRAIN_S)
    elapsed = time.perf_counter() - t0
    for w in workers:
        w.cancel()
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000 if latencies \
            else float("nan")

    return {"sent": total, "ok": len(latencies), "errors": len(errors),
            "unfinished": total - len(latencies) - len(errors),
            "achieved_rps": len(latencies) / elapsed, "p50_ms": pct(0.50), "p99_ms": pct(0.99)}


if __name__ == "__main__":
    spec = json.loads(sys.stdin.read())
    with asyncio.Runner(loop_factory=fast_loop_factory()) as runner:
        print(json.dumps(runner.run(main(**spec))))
