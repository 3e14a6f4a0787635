"""Everyday traffic that resembles drains, replay waves and laundering (must stay quiet)."""

from __future__ import annotations

import random

from eth_abi.abi import encode

from hafeniq_chain.evaluation.variants.bridge_cases import (
    BRIDGE_A,
    BRIDGE_B,
    ESCROW,
    EXCHANGE,
    POOL,
    RELAYER,
    TOKEN,
    TOKEN2,
    BridgeCase,
    _addr,
    _setup,
)
from hafeniq_chain.evaluation.variants.chain_blocks import Chain

CLAIM = bytes.fromhex("379607f5")      # claim(uint256)
LIQUIDATE = bytes.fromhex("96cd4ddb")  # liquidate(address)
MINT = bytes.fromhex("a0712d68")       # mint(uint256)


def matched_large_release(seed: int) -> BridgeCase:
    """A user locks 5-15% of the escrow's size on the counterpart; the relayer releases it."""
    rng = random.Random(f"matched:{seed}")
    c, _ = _setup(rng)
    user, amount = _addr(rng), int(ESCROW * rng.uniform(0.05, 0.15))
    c.transfer(c.tx(EXCHANGE, TOKEN), TOKEN, EXCHANGE, user, amount)
    c.block(rng.randint(12, 3_600))
    # half the time the deposit names another wallet of the user as its recipient
    to = _addr(rng) if rng.random() < 0.5 else user
    c.deposit(rng.choice([BRIDGE_A, BRIDGE_B]), TOKEN, user, amount, recipient=to)
    c.block(rng.randint(60, 7_200))
    c.release(BRIDGE_A, TOKEN, RELAYER, to, int(amount * (1 - rng.uniform(0, 0.01))))
    return BridgeCase("matched_large_release", False, c)


def _claims(c: Chain, rng: random.Random, contract: str, claimants: list[str], reward: int,
            data: bytes, per_block: int) -> None:
    for i, who in enumerate(claimants):
        if i % per_block == 0:
            c.block(rng.randint(12, 36))
        h = c.tx(who, contract, data)
        c.transfer(h, TOKEN, contract, who, reward)


def epoch_reward_claims(seed: int) -> BridgeCase:
    """Stakers claim one epoch's rebate with identical calldata within a few blocks."""
    rng = random.Random(f"epoch:{seed}")
    c, _ = _setup(rng)
    vault, stakers = _addr(rng), [_addr(rng) for _ in range(rng.randint(5, 15))]
    stake = int(ESCROW * rng.uniform(0.001, 0.01))
    for s in stakers:
        c.block(rng.randint(12, 3_600))
        c.transfer(c.tx(s, vault), TOKEN, s, vault, stake)
    c.block(rng.randint(3_600, 86_400))
    _claims(c, rng, vault, stakers, stake // rng.randint(10, 50),
            CLAIM + encode(["uint256"], [rng.randint(1, 99)]), rng.choice([1, 3, 5]))
    return BridgeCase("epoch_reward_claims", False, c)


def airdrop_wave(seed: int) -> BridgeCase:
    """A funded distributor pays a fixed amount to each of many first-time claimants."""
    rng = random.Random(f"airdrop:{seed}")
    c, _ = _setup(rng)
    dist = _addr(rng)
    c.transfer(c.tx(EXCHANGE, dist), TOKEN, EXCHANGE, dist, ESCROW // 2)
    claimants = [_addr(rng) for _ in range(rng.randint(10, 40))]
    _claims(c, rng, dist, claimants, ESCROW // 2 // rng.randint(2_000, 20_000),
            CLAIM + encode(["uint256"], [1]), rng.choice([2, 5, 10]))
    return BridgeCase("airdrop_wave", False, c)


def nft_mint_rush(seed: int) -> BridgeCase:
    rng = random.Random(f"nft:{seed}")
    c, _ = _setup(rng)
    nft = _addr(rng)
    for i in range(rng.randint(10, 40)):
        if i % 5 == 0:
            c.block()
        who = _addr(rng)
        h = c.tx(who, nft, MINT + encode(["uint256"], [1]), value=5 * 10**16, nonce=0)
        c.transfer(h, nft, "0x" + "00" * 20, who, 1)
    return BridgeCase("nft_mint_rush", False, c)


def exchange_payout_fanout(seed: int) -> BridgeCase:
    rng = random.Random(f"payout:{seed}")
    c, _ = _setup(rng)
    for i in range(rng.randint(20, 60)):
        if i % 10 == 0:
            c.block()
        who = _addr(rng)
        c.transfer(c.tx(EXCHANGE, TOKEN), TOKEN, EXCHANGE, who, rng.randint(10**8, 10**11))
    return BridgeCase("exchange_payout_fanout", False, c)


def keeper_burst(seed: int) -> BridgeCase:
    """Keepers liquidate many borrowers in a few blocks: they repay and get collateral."""
    rng = random.Random(f"keeper:{seed}")
    c, _ = _setup(rng)
    market = _addr(rng)
    c.transfer(c.tx(EXCHANGE, market), TOKEN2, POOL, market, ESCROW // 10)
    keepers = [_addr(rng) for _ in range(rng.randint(3, 8))]
    for i in range(rng.randint(5, 20)):
        if i % 4 == 0:
            c.block()
        k, debt = rng.choice(keepers), rng.randint(10**8, 10**10)
        h = c.tx(k, market, LIQUIDATE + encode(["address"], [_addr(rng)]))
        c.transfer(h, TOKEN, k, market, debt)
        c.transfer(h, TOKEN2, market, k, debt * 21 // 20)
    return BridgeCase("keeper_burst", False, c)


def flash_loan_arbitrage(seed: int) -> BridgeCase:
    rng = random.Random(f"flash:{seed}")
    c, _ = _setup(rng)
    bot, lender, pool2 = _addr(rng), _addr(rng), _addr(rng)
    c.transfer(c.tx(EXCHANGE, lender), TOKEN, EXCHANGE, lender, ESCROW // 5)
    for _ in range(rng.randint(1, 5)):
        c.block(rng.randint(12, 120))
        h = c.tx(_addr(rng), bot, bytes.fromhex("c0ffee00") + bytes(32))
        x = rng.randint(10**9, 10**11)
        c.transfer(h, TOKEN, lender, bot, x)
        c.transfer(h, TOKEN, bot, POOL, x)
        c.transfer(h, TOKEN2, POOL, bot, x * 3)
        c.transfer(h, TOKEN2, bot, pool2, x * 3)
        c.transfer(h, TOKEN, pool2, bot, x + x // 200)
        c.transfer(h, TOKEN, bot, lender, x + x // 1000)
    return BridgeCase("flash_loan_arbitrage", False, c)


def relayer_batch(seed: int) -> BridgeCase:
    """The relayer settles a backlog: many releases in two blocks, each matching a deposit."""
    rng = random.Random(f"batch:{seed}")
    c, _ = _setup(rng)
    users = [_addr(rng) for _ in range(rng.randint(8, 25))]
    amounts = [int(ESCROW * rng.uniform(0.002, 0.02)) for _ in users]
    for u, a in zip(users, amounts, strict=True):
        c.transfer(c.tx(EXCHANGE, TOKEN), TOKEN, EXCHANGE, u, a)
        c.block(rng.randint(12, 120))
        c.deposit(BRIDGE_B, TOKEN, u, a)
    c.block(600)
    for i, (u, a) in enumerate(zip(users, amounts, strict=True)):
        if i == len(users) // 2:
            c.block()
        c.release(BRIDGE_A, TOKEN, RELAYER, u, a)
    return BridgeCase("relayer_batch", False, c)


LOOKALIKES = {f.__name__: f for f in (matched_large_release, epoch_reward_claims, airdrop_wave,
                                      nft_mint_rush, exchange_payout_fanout, keeper_burst,
                                      flash_loan_arbitrage, relayer_batch)}
