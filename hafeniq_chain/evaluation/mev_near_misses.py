"""Named near-misses for the MEV variant generator: shapes that look like a sandwich in
part and are not one (see ``mev_variants`` for the list and what each stands for)."""

from __future__ import annotations

from hafeniq_chain.evaluation.mev_market import GWEI, BlockBuilder, Built, Market, Pool, address


def trader_bracket(m: Market, number: int, middle: str) -> Built:
    """A trader's buy and sell in one pool with another swap between them that is not a
    victim: ``none`` (other pools only), ``opposite``, ``same_tokens``, ``shared_token``."""
    rng = m.rng
    b = BlockBuilder(number, rng)
    m.background(b, rng.randint(10, 60))
    pool = m.pools["w0"]
    trader = rng.choice(m.users)
    bought = b.swap(b.tx(trader, pool.address), pool, m.weth, m.size(pool, m.weth, 0.005, 0.03))
    other_user = rng.choice(m.users)
    if middle == "none":
        m.background(b, rng.randint(1, 5), [p for p in m.pools.values() if p is not pool])
    elif middle == "opposite":
        token = pool.other(m.weth)
        b.swap(b.tx(other_user, pool.address), pool, token, m.size(pool, token, 0.005, 0.03))
    else:
        where = m.pools["w0b" if middle == "same_tokens" else "w1"]
        b.swap(b.tx(other_user, where.address), where, m.weth,
               m.size(where, m.weth, 0.005, 0.03))
    b.swap(b.tx(trader, pool.address), pool, pool.other(m.weth), bought.amount_out)
    m.background(b, rng.randint(10, 60))
    return [b], []


def router_intermediary(m: Market, number: int) -> Built:
    """Block N: ordinary traffic (the router is used by many); block N+1: user A sells for
    ETH through the router (router receives), B sells, C buys with ETH through it."""
    rng = m.rng
    b1 = BlockBuilder(number, rng)
    m.background(b1, rng.randint(40, 80))
    b2 = BlockBuilder(number + 1, rng)
    router, pool = rng.choice(m.routers), m.pools[rng.choice(["w1", "w2", "w3", "w4"])]
    token = pool.other(m.weth)
    a, victim, c = rng.sample(m.users, 3)
    b2.swap(b2.tx(a, router), pool, token, m.size(pool, token, 0.005, 0.03), recipient=router)
    b2.swap(b2.tx(victim, pool.address), pool, token, m.size(pool, token, 0.01, 0.04))
    b2.swap(b2.tx(c, router), pool, m.weth, m.size(pool, m.weth, 0.005, 0.03), sender=router)
    return [b1, b2], []


def arbitrage_backrun(m: Market, number: int) -> Built:
    """An arbitrage bot closes a price gap between two pools of the same tokens, a large
    swap reopens it the other way, the bot closes it again: two profitable cycles."""
    rng = m.rng
    cheap, dear = m.pools["w0"], m.pools["w0b"]
    token = cheap.other(m.weth)
    gap = rng.uniform(0.02, 0.05)  # dear's token price over cheap's
    dear.r[m.weth] = cheap.r[m.weth]
    dear.r[token] = int(cheap.r[token] / (1 + gap))
    b = BlockBuilder(number, rng)
    m.background(b, rng.randint(10, 60), [p for p in m.pools.values()
                                          if p not in (cheap, dear)])
    bot, op = address(rng), address(rng)

    def cycle(buy_in: Pool, sell_in: Pool) -> None:
        tx = b.tx(op, bot, 30 * GWEI, private=True)
        hop = b.swap(tx, buy_in, m.weth, m.size(buy_in, m.weth, 0.001, 0.004),
                     sender=bot, recipient=bot)
        b.swap(tx, sell_in, token, hop.amount_out, sender=bot, recipient=bot)

    cycle(cheap, dear)
    user = rng.choice(m.users)
    b.swap(b.tx(user, cheap.address), cheap, m.weth, m.size(cheap, m.weth, 0.04, 0.08))
    cycle(dear, cheap)
    m.background(b, rng.randint(10, 60), [p for p in m.pools.values()
                                          if p not in (cheap, dear)])
    return [b], []


def slow_round_trip(m: Market, number: int) -> Built:
    """A wallet buys, ten others trade the pool both ways, the wallet sells it back."""
    rng = m.rng
    b = BlockBuilder(number, rng)
    pool = m.pools["w2"]
    wallet = rng.choice(m.users)
    bought = b.swap(b.tx(wallet, pool.address), pool, m.weth,
                    m.size(pool, m.weth, 0.002, 0.01))
    for i in range(10):
        tin = m.weth if i % 3 == 0 or rng.random() < 0.4 else pool.other(m.weth)
        u = rng.choice(m.users)
        b.swap(b.tx(u, pool.address), pool, tin, m.size(pool, tin, 0.001, 0.01))
        m.background(b, rng.randint(0, 6))
    b.swap(b.tx(wallet, pool.address), pool, pool.other(m.weth), bought.amount_out)
    return [b], []


def busy_block(m: Market, number: int) -> Built:
    b = BlockBuilder(number, m.rng)
    m.background(b, m.rng.randint(100, 300))
    return [b], []
