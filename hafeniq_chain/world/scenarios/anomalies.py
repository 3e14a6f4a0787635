"""Behavioural anomalies: contract-interaction drift and an outsized hot-wallet transfer."""

from __future__ import annotations

from hafeniq_chain.world.labels import Label
from hafeniq_chain.world.scenarios.base import ScenarioContext
from hafeniq_chain.world.txs import set_automine


def interaction_drift(ctx: ScenarioContext) -> list[Label]:
    """A quiet baseline of bridge deposits, then a fresh address bursts ``deposit`` calls
    with random destination chains, recipients and amounts (rate and entropy spike)."""
    rng, wd = ctx.rng, ctx.wd
    regulars = [ctx.actor("regular", i) for i in range(3)]
    burst_from = ctx.actor("burst")
    for a in [*regulars, burst_from]:
        ctx.mined([wd.mint("HUSDC", a, 10_000_000 * 10**6),
                   wd.approve(a, "HUSDC", wd.bridge.address)])
    baseline = []
    for i in range(9):
        ctx.s.rpc("evm_increaseTime", [rng.randint(600, 1800)])
        a = regulars[i % 3]
        baseline += ctx.mined([wd.bridge_deposit(a, "HUSDC", 1_000 * 10**6, 10, a)])
    n = rng.randint(40, 120)
    set_automine(ctx.w3, False)
    try:
        burst = [wd.bridge_deposit(burst_from, "HUSDC", rng.randint(1, 50_000) * 10**6,
                                   rng.randint(1, 100_000), ctx.actor("sink", i, eth=0))
                 for i in range(n)]
        ctx.s.mine()
    finally:
        set_automine(ctx.w3, True)
    return [ctx.label("contract_interaction_drift", f"burst_{n}", ctx.mined(burst),
                      [burst_from], [], contract=wd.bridge.address.lower(),
                      function="deposit(address,uint256,uint256,address)",
                      baseline_txs=baseline, burst_size=n)]


def outsized_transfer(ctx: ScenarioContext) -> list[Label]:
    """A hot wallet's routine payouts, then one transfer far above its usual amounts."""
    rng, wd = ctx.rng, ctx.wd
    hot = ctx.m.accounts["hot_wallet"]
    ctx.mined([wd.mint("HUSDC", hot, 50_000_000 * 10**6)])
    customers = [ctx.actor("customer", i, eth=0) for i in range(12)]
    history = []
    for i in range(30):
        ctx.s.rpc("evm_increaseTime", [rng.randint(300, 3600)])
        amount = int(rng.lognormvariate(7.5, 0.5)) * 10**6
        history += ctx.mined([wd.transfer(hot, "HUSDC", customers[i % 12], amount)])
    factor = rng.choice([50, 100, 200])
    big = 2_000 * factor * 10**6
    dest = ctx.actor("dest", eth=0)
    tx = ctx.mined([wd.transfer(hot, "HUSDC", dest, big)])
    return [ctx.label("amount_above_forecast", f"x{factor}", tx, [hot, dest], [],
                      amount=str(big), token=wd.tok("HUSDC"), history_txs=history,
                      factor_vs_typical=factor)]
