"""Open-loop load generator for ``POST /v1/withdrawals/score`` (run as its own process).

Requests are sent on a fixed schedule whatever the server's pace; latency is measured
from the scheduled send time, so a slow server cannot hide queueing (no coordinated
omission). Prints one JSON line: p50, p99, achieved rate, errors.
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
import time
from datetime import UTC, datetime, timedelta

import httpx


async def _one(client: httpx.AsyncClient, body: dict[str, object], due: float,
               out: list[float], errors: list[int]) -> None:
    try:
        r = await client.post("/v1/withdrawals/score", json=body)
        if r.status_code != 200:
            errors.append(r.status_code)
            return
    except httpx.HTTPError:
        errors.append(0)
        return
    out.append(time.perf_counter() - due)


async def main(base_url: str, key: str, accounts: list[str], destinations: list[str],
               rate: float, seconds: float) -> dict[str, float]:
    rng = random.Random(5)
    latencies: list[float] = []
    errors: list[int] = []
    start_at = datetime.now(UTC)
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=30,
                                 headers={"Authorization": f"Bearer {key}"}) as client:
        await client.get("/healthz")
        tasks = []
        t0 = time.perf_counter()
        total = int(rate * seconds)
        for i in range(total):
            due = t0 + i / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            body = {"request_id": f"bench-{i}", "account_id": rng.choice(accounts),
                    "destination": rng.choice(destinations), "asset": "USDT",
                    "amount": f"{rng.uniform(100, 2000):.2f}",
                    "occurred_at": (start_at + timedelta(seconds=i / rate)).isoformat()}
            tasks.append(asyncio.create_task(_one(client, body, due, latencies, errors)))
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - t0
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000 if latencies \
            else float("nan")

    return {"sent": total, "ok": len(latencies), "errors": len(errors),
            "achieved_rps": len(latencies) / elapsed, "p50_ms": pct(0.50), "p99_ms": pct(0.99)}


if __name__ == "__main__":
    spec = json.loads(sys.stdin.read())
    print(json.dumps(asyncio.run(main(**spec))))
