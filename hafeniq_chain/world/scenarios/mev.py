"""Market attacks through the real Router02: sandwiches and liquidity rugs."""

from __future__ import annotations

import time

from hafeniq_chain.world.labels import Label
from hafeniq_chain.world.scenarios.base import E18, ScenarioContext
from hafeniq_chain.world.txs import set_automine

GWEI = 10**9
# NOTE: how long the sandwich waits in the mempool once the node shows it. A 12-s chain
# gives 0-12 s; 2 s keeps 20 seeds quick while leaving a loaded 2-core box time to react.
MEMPOOL_DWELL_S = 2.0


def sandwich(ctx: ScenarioContext) -> list[Label]:
    """Victim buys wait in the mempool, the bot reacts with a front-run and a back-run, and
    all of them wait there a moment before one block includes them.

    The lifecycle is the one a 12-s chain gives a watcher: the victims (1-3) are broadcast
    first, the bot sees them and broadcasts its front-run (highest tip) and back-run (next
    nonce, lowest tip, so it lands after the victims); the block is mined only once the
    node's txpool shows all of them and ``MEMPOOL_DWELL_S`` has passed. ``mined_after`` in
    the label is the wall-clock time just before the block was mined. Seeds with
    ``seed % 3 == 2`` trade through a ``SandwichBot`` helper contract instead of directly.
    """
    rng, wd = ctx.rng, ctx.wd
    token = rng.choice(["TKA", "TKB"])
    n_victims = rng.randint(1, 3)
    bot = ctx.actor("bot", eth=1_000)
    victims = [ctx.actor("victim", i) for i in range(n_victims)]
    helper = ""
    if ctx.seed % 3 == 2:
        helper = str(ctx.s.receipts([ctx.s.deploy(bot, "SandwichBot")])[0]["contractAddress"])
    ctx.mined([wd.approve(bot, token, wd.router.address)])
    front_eth = rng.randint(5, 30) * E18
    front_out = wd.quote_buy(token, front_eth)
    legs = (wd.router.address, wd.weth, wd.tok(token))
    set_automine(ctx.w3, False)
    try:
        vic = [wd.buy(v, token, rng.randint(1, 10) * E18 // 2, priority_fee=2 * GWEI)
               for v in victims]
        if helper:
            front = ctx.s.call(bot, helper, "front(address,address,address)", *legs,
                               value=front_eth, gas=300_000, priority_fee=50 * GWEI)
            back = ctx.s.call(bot, helper, "back(address,address,address)", *legs,
                              gas=300_000, priority_fee=GWEI)
        else:
            front = wd.buy(bot, token, front_eth, priority_fee=50 * GWEI)
            back = wd.sell(bot, token, front_out, priority_fee=GWEI)
        ctx.s.wait_pooled([*vic, front, back])
        time.sleep(MEMPOOL_DWELL_S)
        mined_after = time.time()
        ctx.s.mine()
    finally:
        set_automine(ctx.w3, True)
    hashes = [front, *vic, back]
    variant = ("multi_victim" if n_victims > 1 else "single_victim") + (
        "_via_helper" if helper else "")
    return [ctx.label("sandwich", variant, ctx.mined(hashes), [bot, *([helper.lower()]
                      if helper else [])], vic, token=token, pair=ctx.m.pairs[f"{token}/WETH"],
                      front_run=front, back_run=back, helper_contract=helper.lower(),
                      mempool_visible=True, mined_after=mined_after)]


def liquidity_rug(ctx: ScenarioContext) -> list[Label]:
    """A new token gets a pool, attracts buyers, then its deployer pulls all liquidity."""
    rng, wd, s = ctx.rng, ctx.wd, ctx.s
    rugger = ctx.actor("rugger", eth=500)
    deploy = s.deploy(rugger, "Stablecoin", "Moon Token", "MOON", 18,
                      wd.router.w3.to_checksum_address(rugger))
    token = str(s.receipts([deploy])[0]["contractAddress"]).lower()
    supply = 1_000_000 * E18
    eth_in = rng.randint(20, 80) * E18
    setup = ctx.mined([s.call(rugger, token, "mint(address,uint256)", rugger, supply),
                       s.call(rugger, token, "approve(address,uint256)", wd.router.address,
                              2**256 - 1)])
    add = ctx.mined([s.call(rugger, wd.router.address,
                            "addLiquidityETH(address,uint256,uint256,uint256,address,uint256)",
                            token, supply // 2, 0, 0, rugger, 2**40, value=eth_in,
                            gas=4_000_000)])
    factory = s.contract("UniswapV2Factory", ctx.m.address("Factory"))
    pair = str(factory.functions.getPair(wd.router.w3.to_checksum_address(token),
                                         wd.router.w3.to_checksum_address(wd.weth)).call())
    buyers = [ctx.actor("buyer", i) for i in range(rng.randint(4, 12))]
    buys = ctx.mined([s.call(b, wd.router.address,
                             "swapExactETHForTokens(uint256,address[],address,uint256)",
                             0, [wd.weth, token], b, 2**40, value=rng.randint(1, 8) * E18,
                             gas=250_000) for b in buyers])
    lp = s.contract("UniswapV2Pair", pair)
    liquidity = int(lp.functions.balanceOf(lp.w3.to_checksum_address(rugger)).call())
    pull = ctx.mined([s.call(rugger, pair, "approve(address,uint256)", wd.router.address,
                             liquidity),
                      s.call(rugger, wd.router.address,
                             "removeLiquidityETH(address,uint256,uint256,uint256,address,uint256)",
                             token, liquidity, 0, 0, rugger, 2**40, gas=400_000)])
    return [ctx.label("liquidity_rug", f"{len(buyers)}_buyers",
                      [deploy, *setup, *add, *buys, *pull], [rugger], buys, token=token,
                      pair=pair, add_liquidity=add[0], remove_liquidity=pull[-1],
                      liquidity=str(liquidity))]
