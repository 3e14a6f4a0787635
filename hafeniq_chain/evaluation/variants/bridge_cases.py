"""Bridge, copycat and laundering variants beside their everyday look-alikes, from a seed.

Every case is a short chain: a genesis block funding the bridges, background traffic
(small relayed releases, user deposits and payments), then the attack or the look-alike.
Attacks say what must be found (the drain tx, the replay wave, the laundering path hop by
hop up to its exit); look-alikes must raise nothing of medium severity or above.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from eth_abi.abi import encode

from hafeniq_chain.decode.records import ZERO_ADDRESS
from hafeniq_chain.evaluation.variants.chain_blocks import Chain

BRIDGE_A, BRIDGE_B, BRIDGE_C = "0x" + "a1" * 20, "0x" + "b2" * 20, "0x" + "c3" * 20
TOKEN, TOKEN2, POOL = "0x" + "70" * 20, "0x" + "72" * 20, "0x" + "90" * 20
EXCHANGE, LABELLED, RELAYER = "0x" + "ec" * 20, "0x" + "1a" * 20, "0x" + "1e" * 20
ESCROW = 5_000_000 * 10**6
PROCESS = bytes.fromhex("928bc4b2")


@dataclass
class BridgeCase:
    name: str
    attack: bool
    chain: Chain
    must_name: list[str] = field(default_factory=list)       # txs a finding must name
    path: list[tuple[str, str]] = field(default_factory=list)  # laundering hops in order
    kind: str = ""                                            # finding kind that must appear
    watched: list[str] = field(default_factory=lambda: [BRIDGE_C])
    labels: dict[str, tuple[str, ...]] = field(default_factory=lambda: {LABELLED: ("exchange",)})


def _addr(rng: random.Random) -> str:
    return "0x" + rng.randbytes(20).hex()


def _setup(rng: random.Random, background: int = 30) -> tuple[Chain, list[str]]:
    c, users = Chain(), [_addr(rng) for _ in range(40)]
    c.block()
    h = c.tx(EXCHANGE, TOKEN)
    for where, amount in ((BRIDGE_A, ESCROW), (BRIDGE_B, ESCROW // 2), (POOL, ESCROW),
                          (EXCHANGE, ESCROW)):
        c.transfer(h, TOKEN, ZERO_ADDRESS, where, amount)
    c.transfer(h, TOKEN2, ZERO_ADDRESS, POOL, ESCROW)
    for _ in range(background):
        c.block()
        for _ in range(rng.randint(0, 2)):
            c.release(BRIDGE_A, TOKEN, RELAYER, rng.choice(users),
                      int(ESCROW * 10 ** rng.uniform(-5, -2.6)))
        if rng.random() < 0.5:
            c.deposit(rng.choice([BRIDGE_A, BRIDGE_B]), TOKEN, rng.choice(users),
                      int(ESCROW * 10 ** rng.uniform(-5, -3)))
        if rng.random() < 0.5:
            a, b = rng.sample(users, 2)
            c.transfer(c.tx(a, TOKEN), TOKEN, a, b, rng.randint(10, 10**9))
    return c, users


def _process(recipient: str, amount: int) -> bytes:
    inner = encode(["address", "address", "uint256", "uint256", "bytes32"],
                   [TOKEN, recipient, amount, 10, b"\x00" * 32])
    return PROCESS + encode(["bytes"], [inner])


def unproven_drain(seed: int) -> BridgeCase:
    rng = random.Random(f"drain:{seed}")
    c, _ = _setup(rng)
    thief, txs = _addr(rng), []
    c.block(rng.randint(12, 600))
    if rng.random() < 0.5:  # one large unproven release
        txs.append(c.release(BRIDGE_A, TOKEN, thief, thief, int(ESCROW * rng.uniform(0.025, 0.4))))
    else:  # a rapid series of mid-size ones
        for i in range(rng.randint(4, 8)):
            if i and rng.random() < 0.3:
                c.block()
            txs.append(c.release(BRIDGE_A, TOKEN, thief, _addr(rng),
                                 int(ESCROW * rng.uniform(0.005, 0.015))))
    return BridgeCase("unproven_drain", True, c, must_name=txs, kind="bridge_drain")


def laundering(seed: int, hops: int | None = None, exit_: str | None = None) -> BridgeCase:
    """Drain, then 1-6 hops (splits and merges, maybe a swap), then an exit."""
    rng = random.Random(f"launder:{seed}:{hops}:{exit_}")
    c, _ = _setup(rng)
    thief = _addr(rng)
    amount = int(ESCROW * rng.uniform(0.03, 0.2))
    c.block()
    c.release(BRIDGE_A, TOKEN, thief, thief, amount)
    hops, token, holder, path = hops or rng.randint(1, 6), TOKEN, thief, []
    swap_at = rng.randint(0, hops) if rng.random() < 0.5 else -1
    for i in range(hops + 1):
        c.block(rng.randint(30, 1_500))
        if i == swap_at:
            h = c.tx(holder, POOL)
            c.transfer(h, token, holder, POOL, amount)
            amount, token = amount * rng.randint(2, 5), TOKEN2
            c.transfer(h, token, POOL, holder, amount)
        if i == hops:
            break
        nxt = _addr(rng)
        if rng.random() < 0.3:  # split over a side wallet that merges back next hop
            side, part = _addr(rng), amount // rng.randint(3, 5)
            c.transfer(c.tx(holder, token), token, holder, side, part)
            c.transfer(c.tx(holder, token), token, holder, nxt, amount - part)
            c.block(rng.randint(30, 600))
            c.transfer(c.tx(side, token), token, side, nxt, part)
        else:
            c.transfer(c.tx(holder, token), token, holder, nxt, amount)
        path.append((holder, nxt))
        holder = nxt
    exit_ = exit_ or rng.choice(EXITS)
    if exit_ == "peel":
        for _ in range(rng.randint(5, 8)):
            c.transfer(c.tx(holder, token), token, holder, _addr(rng), amount // 9)
        return BridgeCase(f"laundering_{hops}_hops_peel", True, c, kind="peel_chain")
    if exit_ == "event_bridge":
        c.deposit(BRIDGE_B, token, holder, amount)
        path.append((holder, BRIDGE_B))
    else:
        dst = BRIDGE_C if exit_ == "watched_bridge" else LABELLED
        c.transfer(c.tx(holder, token), token, holder, dst, amount)
        path.append((holder, dst))
    return BridgeCase(f"laundering_{hops}_hops_{exit_}", True, c, path=path,
                      kind="laundering_hops")


EXITS = ("event_bridge", "watched_bridge", "labelled", "peel")


def replay_wave(seed: int) -> BridgeCase:
    rng = random.Random(f"replay:{seed}")
    c, _ = _setup(rng)
    k = rng.randint(5, 30)
    each = int(ESCROW * rng.uniform(0.002, 0.9 / (k + 2)))
    senders, txs, per_block = [_addr(rng) for _ in range(k + 1)], [], rng.choice([1, 3, 5])
    dusted = rng.random() < 0.3  # each copycat deposits dust first, to look entitled
    if dusted:
        c.block()
        for s in senders:
            c.deposit(BRIDGE_A, TOKEN, s, rng.randint(1, 10**6))
    for i, s in enumerate(senders):
        if i % per_block == 0:
            c.block(rng.randint(12, 60))
        h = c.tx(s, BRIDGE_A, _process(s, each), nonce=0)
        c.transfer(h, TOKEN, BRIDGE_A, s, each)
        txs.append(h)
    return BridgeCase(f"replay_wave_{k}{'_dusted' if dusted else ''}", True, c, must_name=txs,
                      kind="copycat_wave")


ATTACKS = {"unproven_drain": unproven_drain, "laundering": laundering,
           "replay_wave": replay_wave}
