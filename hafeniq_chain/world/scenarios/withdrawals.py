"""Off-chain coordinated withdrawals: many accounts, a few fresh destinations, minutes apart.

Written as a ``POST /v1/events`` batch (``withdrawal-events.json``) until the REST ingest
exists; benign requests (one own destination each, spread over hours) are mixed in.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from eth_utils.crypto import keccak

from hafeniq_chain.world.labels import Label
from hafeniq_chain.world.scenarios.base import ScenarioContext

EVENTS_FILE = "withdrawal-events.json"


def coordinated_withdrawals(ctx: ScenarioContext) -> list[Label]:
    rng = ctx.rng
    t0 = int(ctx.w3.eth.get_block("latest")["timestamp"])
    events, attack_ids = [], []

    def event(i: int, account: str, dest: str, amount: float, ts: int, ip: str, ua: str
              ) -> dict[str, object]:
        return {"event_id": f"wd-{ctx.seed}-{i}", "kind": "withdrawal_request",
                "account_id": account, "destination_address": dest, "asset": "HUSDC",
                "amount": f"{amount:.2f}", "timestamp": datetime.fromtimestamp(ts, UTC)
                .isoformat(), "ip": ip, "user_agent_hash": keccak(text=ua).hex()[:16],
                "route": "api"}

    for i in range(rng.randint(40, 80)):  # benign background over six hours
        acct = f"acct-{rng.randint(1, 5_000):05d}"
        dest = ctx.actor("own", i, eth=0)
        events.append(event(i, acct, dest, rng.lognormvariate(6, 1), t0 + rng.randint(0,
                            21_600), f"203.0.113.{rng.randint(1, 254)}", f"ua-{acct}"))
    dests = [ctx.actor("collector", j, eth=0) for j in range(rng.randint(2, 3))]
    n = rng.randint(20, 60)
    start = t0 + rng.randint(3_600, 18_000)
    for k in range(n):
        acct = f"acct-{rng.randint(5_001, 9_999):05d}"
        e = event(1_000 + k, acct, rng.choice(dests), rng.uniform(900, 1_000),
                  start + rng.randint(0, 600), f"198.51.100.{rng.randint(1, 8)}", "ua-bot")
        events.append(e)
        attack_ids.append(str(e["event_id"]))
    events.sort(key=lambda e: str(e["timestamp"]))
    ctx.out_dir.mkdir(parents=True, exist_ok=True)
    path = ctx.out_dir / EVENTS_FILE
    path.write_text(json.dumps({"events": events}, indent=1) + "\n")
    return [ctx.label("coordinated_withdrawals", f"{n}_accounts_{len(dests)}_destinations", [],
                      dests, [], events_file=str(path), event_ids=attack_ids,
                      destinations=dests, window_s=600)]
