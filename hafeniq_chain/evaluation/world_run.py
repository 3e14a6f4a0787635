"""Run the labelled scenario suite on a fresh Anvil world through the real daemon.

The daemon (follower, mempool, detectors, fusion) runs in-process against a world loaded
from a dumped state; benign traffic and each attack are driven from a worker thread
(web3 is synchronous); when everything is indexed, findings are scored against labels.
Off-chain scenarios (coordinated withdrawals) go through the real scoring API.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx
from web3 import Web3

from hafeniq_chain.api.app import create_app
from hafeniq_chain.api.keys import create_api_key
from hafeniq_chain.config import Settings
from hafeniq_chain.core.settings import WatchSettings
from hafeniq_chain.daemon import Daemon
from hafeniq_chain.evaluation.labels import AttackLabel
from hafeniq_chain.evaluation.scoring import EvalFinding
from hafeniq_chain.offchain.incident import KEY_PREFIX
from hafeniq_chain.world.manifest import Manifest
from hafeniq_chain.world.scenarios import SCENARIOS, run_scenario
from hafeniq_chain.world.state import build_world, start_world
from hafeniq_chain.world.traffic import run_benign

OFFCHAIN = {"coordinated_withdrawals"}


@dataclass
class WorldRun:
    """Everything the scorer needs from one world run."""

    findings: list[EvalFinding]
    labels: list[AttackLabel]
    benign_tx_hashes: list[str]
    offchain: dict[str, tuple[int, int, int, int, bool]]  # -> (tp, fn, fp, benign n, alerted)
    alerts: list[EvalFinding]  # every alert (not retraction) the channels were given


async def _wait_indexed(pool: asyncpg.Pool, head: int, within_s: float = 120) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within_s
    while loop.time() < deadline:
        done = await pool.fetchval("SELECT block_number FROM cursors WHERE name = 'head'")
        if done is not None and done >= head:
            return
        await asyncio.sleep(0.2)
    raise TimeoutError(f"daemon did not index up to block {head} within {within_s}s")


async def _convergence_alerts(pool: asyncpg.Pool) -> int:
    """Alerts of coordinated-withdrawal incidents (not the on-chain ones the daemon raises
    meanwhile)."""
    count: int = await pool.fetchval(
        "SELECT count(*) FROM alerts a JOIN incidents i ON i.id = a.incident_id "
        "WHERE starts_with(i.correlation_key, $1)", KEY_PREFIX)
    return count


async def _offchain(pool: asyncpg.Pool, settings: Settings, label: AttackLabel,
                    channels: Sequence[str]) -> tuple[int, int, int, int, bool]:
    """Score every withdrawal request of the events file; attack ids must not be APPROVED.

    Also tells whether the attack raised an alert on the daemon's ``channels``.
    """
    alerts_before = await _convergence_alerts(pool)
    text = await asyncio.to_thread(Path(label.details["events_file"]).read_text)
    events = json.loads(text)["events"]
    attack = set(label.details.get("event_ids", []))
    key = await create_api_key(pool, "eval", ["withdrawals:score"])
    # NOTE: the scenario's requests are dated by the world's chain clock, hours ahead.
    settings = settings.model_copy(update={"withdrawals": settings.withdrawals.model_copy(
        update={"future_tolerance_s": 7 * 86400})})
    transport = httpx.ASGITransport(app=create_app(pool, settings, alert_channels=channels))
    tp = fn = fp = 0
    async with httpx.AsyncClient(transport=transport, base_url="http://eval") as client:
        for e in events:
            body = {"request_id": e["event_id"], "account_id": e["account_id"],
                    "destination": e["destination_address"], "asset": e["asset"],
                    "amount": e["amount"], "occurred_at": e["timestamp"], "ip": e["ip"],
                    "user_agent_hash": e["user_agent_hash"], "route": e["route"]}
            r = await client.post("/v1/withdrawals/score", json=body,
                                  headers={"X-API-Key": key})
            r.raise_for_status()
            flagged = r.json()["action"] != "APPROVED"
            if e["event_id"] in attack:
                tp, fn = tp + flagged, fn + (not flagged)
            else:
                fp += flagged
    alerted = await _convergence_alerts(pool) > alerts_before
    return tp, fn, fp, len(events) - len(attack), alerted


def manifest_watch(settings: Settings, manifest: Manifest) -> list[WatchSettings]:
    """The configured watch list plus the world's hot wallet (its payouts are forecast)."""
    hot = manifest.accounts.get("hot_wallet")
    if hot is None or any(w.address.lower() == hot.lower() for w in settings.watch):
        return list(settings.watch)
    return [*settings.watch, WatchSettings(address=hot, name="hot_wallet", kind="hot_wallet")]


async def run_world(settings: Settings, pool: asyncpg.Pool, work: Path, *, benign_tx: int,
                    seeds: Sequence[int], scenarios: Sequence[str],
                    progress: Callable[[str], None] = lambda _: None,
                    console_alerts: bool = False, hours: float = 24.0) -> WorldRun:
    """Deploy, start the daemon, drive benign traffic and attacks, collect the results.

    ``hours``: chain time the benign traffic is spread over (0.1 with 3,000 transactions
    is mainnet density: ~100 transactions per block, several swaps per pool)."""
    files = build_world(work / "world")
    node, manifest = start_world(files)
    try:
        # The API is scored in-process (ASGI): no listening port to collide with.
        run_settings = settings.model_copy(update={
            "chain": settings.chain.model_copy(
                update={"rpc_urls": [node.ws_url], "poll_interval_s": 0.2}),
            "api": settings.api.model_copy(update={"enabled": False}),
            "watch": manifest_watch(settings, manifest)})
        daemon = Daemon(run_settings, pool, start_block=0, console_alerts=console_alerts)
        task = asyncio.create_task(daemon.run())
        w3 = Web3(Web3.HTTPProvider(node.http_url))
        labels: list[AttackLabel] = []
        offchain: dict[str, tuple[int, int, int, int, bool]] = {}
        try:
            progress(f"benign traffic: {benign_tx} transactions")
            await asyncio.to_thread(run_benign, w3, manifest, seeds[0], benign_tx,
                                    hours=hours)
            benign_last = w3.eth.block_number
            for name in scenarios:
                for seed in seeds:
                    progress(f"scenario {name} (seed {seed})")
                    got = await asyncio.to_thread(run_scenario, name, w3, manifest, seed,
                                                  out_dir=work / f"{name}-{seed}")
                    for label in got:
                        raw = {**label.__dict__}
                        labels.append(AttackLabel.from_json(raw))
                        if name in OFFCHAIN:
                            offchain[f"{name}:{seed}"] = await _offchain(
                                pool, run_settings, labels[-1], list(daemon.channels))
            await _wait_indexed(pool, w3.eth.block_number)
            await asyncio.sleep(1.0)  # let the last block's findings be fused
        finally:
            daemon.stop.set()
            await task
        return WorldRun(await _findings(pool), [lb for lb in labels if lb.scenario
                                               not in OFFCHAIN],
                        await _benign(pool, labels, benign_last), offchain,
                        await _alerts(pool))
    finally:
        node.stop()


async def _findings(pool: asyncpg.Pool) -> list[EvalFinding]:
    rows = await pool.fetch(
        "SELECT f.detector, f.kind, f.tx_hashes, f.entities, f.block_from, f.block_to, "
        "extract(epoch FROM f.created_at - b.indexed_at) AS latency FROM findings f "
        "LEFT JOIN blocks b ON b.chain_id = f.chain_id AND b.number = f.block_to "
        "WHERE f.status <> 'retracted' AND f.detector <> 'decision_stream'")
    return [EvalFinding(r["detector"], r["kind"], tuple(r["tx_hashes"]), tuple(r["entities"]),
                        r["block_from"], r["block_to"],
                        float(r["latency"]) if r["latency"] is not None else None)
            for r in rows]


async def _alerts(pool: asyncpg.Pool) -> list[EvalFinding]:
    rows = await pool.fetch("SELECT kind, payload FROM alerts WHERE kind <> 'retraction'")
    return [EvalFinding("alert", r["kind"], tuple(r["payload"].get("tx_hashes", [])),
                        tuple(r["payload"]["incident"].get("entities", [])), None, None)
            for r in rows]


async def _benign(pool: asyncpg.Pool, labels: Sequence[AttackLabel], last: int) -> list[str]:
    """Transactions of the benign phase (up to ``last``); scenarios run after it, and their
    staging (proposals, top-ups) is neither attack nor benign traffic."""
    attack = {h for lb in labels for h in lb.tx_hashes}
    rows = await pool.fetch("SELECT hash FROM transactions WHERE block_number <= $1", last)
    return [r["hash"] for r in rows if r["hash"] not in attack]


def default_scenarios() -> list[str]:
    return list(SCENARIOS)


