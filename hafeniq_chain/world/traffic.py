"""Drive benign traffic: fund the wallets, then turn seeded intents into packed blocks.

Automine is off while driving; each block is mined with ``evm_mine`` at the simulated time
of its intents, so daily rhythms show in block timestamps. Proposals get an empty block after
them so that votes a few blocks later land in the voting window.
"""

from __future__ import annotations

import hashlib
import random
import time
from dataclasses import dataclass

from web3 import Web3

from hafeniq_chain.log import get_logger
from hafeniq_chain.world.actions import World
from hafeniq_chain.world.intents import Habit, Intent, make_habits, make_intents
from hafeniq_chain.world.manifest import Manifest
from hafeniq_chain.world.txs import Sender, set_automine

log = get_logger(__name__)
E18 = 10**18
BLOCK_GAP_S = 12
SRC_CHAIN = 10


@dataclass(frozen=True)
class TrafficStats:
    """What a run did; ``intents_digest`` identifies the intent sequence (same seed, same)."""

    intents: int
    tx_sent: int
    tx_failed: int
    setup_tx: int
    blocks: int
    first_block: int
    last_block: int
    seconds: float
    intents_digest: str


def intents_digest(intents: list[Intent]) -> str:
    return hashlib.sha256(repr(intents).encode()).hexdigest()


def _setup_wallets(w3: Web3, wd: World, habits: list[Habit]) -> list[str]:
    """ETH, tokens, approvals, HGOV delegation and LP positions for every wallet.

    Two blocks: Anvil may order different senders' transactions freely within a block, so
    the deployer's funding is mined before the wallets spend it.
    """
    me = wd.m.accounts["deployer"]
    for h in habits:
        wd.s.rpc("anvil_setBalance", [h.address, hex(1_000 * E18)])
    hashes: list[str] = []
    wd.s.start_batch()
    for h in habits:
        if h.token == "HGOV":
            wd.transfer(me, "HGOV", h.address, 20_000 * E18)
        else:
            wd.mint(h.token, h.address, 1_000_000 * wd.unit(h.token))
            wd.transfer(me, "HGOV", h.address, 1_000 * E18)
        wd.mint("HUSDC", h.address, 1_000_000 * 10**6)
    hashes += _flush_and_mine(w3, wd)
    wd.s.start_batch()
    for i, h in enumerate(habits):
        wd.approve(h.address, h.token, wd.router.address)
        wd.approve(h.address, "HUSDC", wd.bridge.address)
        wd.delegate(h.address, h.address)
        if i % 25 == 0:  # LPs: a position in their token's pool, removable later
            wd.add_liquidity(h.address, h.token, 5_000 * wd.unit(h.token), 5 * E18)
            wd.s.call(h.address, wd.m.pairs[f"{h.token}/WETH"], "approve(address,uint256)",
                      wd.router.address, 2**256 - 1, gas=80_000)
    return hashes + _flush_and_mine(w3, wd)


def _flush_and_mine(w3: Web3, wd: World) -> list[str]:
    hashes = wd.s.flush()
    wd.s.mine()
    statuses = wd.s.block_statuses(w3.eth.block_number)
    if statuses.count(1) != len(hashes):
        raise RuntimeError(f"benign wallet setup: {statuses.count(0)} transactions reverted")
    return hashes


def _send(wd: World, it: Intent, seq: int) -> str:
    """One intent -> one transaction."""
    if it.kind == "buy":
        return wd.buy(it.wallet, it.token, it.amount)
    if it.kind == "sell":
        return wd.sell(it.wallet, it.token, it.amount)
    if it.kind == "transfer":
        return wd.transfer(it.wallet, it.token, it.counterparty, it.amount)
    if it.kind == "eth_transfer":
        return wd.send_eth(it.wallet, it.counterparty, it.amount)
    if it.kind == "add_lp":
        return wd.add_liquidity(it.wallet, it.token, it.amount, it.amount // 1_000 + 1)
    if it.kind == "remove_lp":
        return wd.remove_liquidity(it.wallet, it.token, 10**15)
    if it.kind == "bridge_deposit":
        return wd.bridge_deposit(it.wallet, "HUSDC", it.amount, SRC_CHAIN, it.wallet)
    if it.kind == "bridge_withdrawal":
        msg = Web3.keccak(text=f"benign-release:{it.t}:{it.wallet}:{seq}")
        return wd.bridge_release("HUSDC", it.wallet, it.amount, SRC_CHAIN, msg)
    raise ValueError(f"unknown intent kind {it.kind}")


def _blocks(intents: list[Intent], per_block: int) -> list[list[Intent]]:
    """Consecutive intents share a block until it is full or there is a 12-s gap."""
    out: list[list[Intent]] = []
    for it in intents:
        if out and len(out[-1]) < per_block and it.t - out[-1][0].t < BLOCK_GAP_S:
            out[-1].append(it)
        else:
            out.append([it])
    return out


def run_benign(w3: Web3, manifest: Manifest, seed: int, n_tx: int, *, hours: float = 24.0,
               n_wallets: int = 300, per_block: int = 100) -> TrafficStats:
    """Fund ``n_wallets`` and send ``n_tx`` benign intents over ``hours`` of chain time."""
    started = time.monotonic()
    s = Sender(w3)
    wd = World(s, manifest)
    set_automine(w3, False)
    try:
        habits = make_habits(seed, n_wallets)
        setup = _setup_wallets(w3, wd, habits)
        midnight = (int(w3.eth.get_block("latest")["timestamp"]) // 86_400 + 1) * 86_400
        intents = make_intents(seed, habits, n_tx, hours)
        first = w3.eth.block_number + 1
        sent, failed, last_ts = 0, 0, midnight
        votes: list[tuple[int, str, int]] = []  # (due block index, voter, proposal id)
        blocks = _blocks(intents, per_block)
        for bi, block in enumerate(blocks):
            proposed = False
            s.start_batch()
            for it in block:
                if it.kind == "propose":
                    prop = wd.transfer_proposal("HGOV", it.counterparty, 10 * E18,
                                                f"Community grant {seed}-{it.t}-{it.wallet}")
                    wd.propose(it.wallet, prop)
                    rng = random.Random(f"{seed}:{it.t}:{it.wallet}")
                    votes += [(bi + rng.randint(1, 6), h.address, wd.proposal_id(prop))
                              for h in rng.sample(habits, it.votes)]
                    proposed = True
                else:
                    _send(wd, it, sent)
                sent += 1
            for _due, voter, pid in [v for v in votes if v[0] == bi]:
                wd.vote(voter, pid, 1)
                sent += 1
            s.flush()
            last_ts = max(last_ts + 1, midnight + block[-1].t)
            s.mine(timestamp=last_ts)
            if proposed:  # voting starts after the snapshot block
                last_ts += 1
                s.mine(timestamp=last_ts)
        last = w3.eth.block_number
        for n in range(first, last + 1):
            failed += s.block_statuses(n).count(0)
    finally:
        set_automine(w3, True)
    stats = TrafficStats(len(intents), sent, failed, len(setup), last - first + 1, first, last,
                         round(time.monotonic() - started, 2), intents_digest(intents))
    log.info("world.traffic.done", **stats.__dict__)
    return stats
