"""Everyday look-alikes of the governance and bridge attacks, on the live world.

Why: the detectors were once fooled by exactly these (issue 16): a popular proposal voted
by long-established holders an exchange funded months ago, and a large bridge release
backed by the recipient's own earlier deposit. They are not attacks, so they are not in
``SCENARIOS`` (whose labels are scored for recall); ``tests/integration/
test_lookalikes_live.py`` runs them through the real daemon and expects silence.
"""

from __future__ import annotations

from hafeniq_chain.world.labels import Label
from hafeniq_chain.world.scenarios.base import E18, ScenarioContext
from hafeniq_chain.world.txs import set_automine

DAY = 86_400


def popular_proposal(ctx: ScenarioContext) -> list[Label]:
    """An exchange funds 20 holders; 90 days of ordinary use; they all vote alike."""
    rng, wd, s = ctx.rng, ctx.wd, ctx.s
    me = ctx.m.accounts["deployer"]
    exchange = ctx.actor("exchange", eth=1_000)
    holders = [ctx.actor("holder", i, eth=0) for i in range(20)]
    stake = 2_000 * E18
    ctx.mined([wd.transfer(me, "HGOV", exchange, stake * len(holders))])
    funding = ctx.mined([wd.send_eth(exchange, h, E18) for h in holders]
                        + [wd.transfer(exchange, "HGOV", h, stake) for h in holders])
    ctx.mined([wd.delegate(h, h) for h in holders])
    for _ in range(3):  # months of ordinary use: payments among themselves
        s.rpc("evm_increaseTime", [30 * DAY])
        ctx.mined([wd.transfer(h, "HGOV", rng.choice(holders), E18) for h in holders])
    prop = wd.transfer_proposal("HGOV", me, 10_000 * E18, f"Popular grant #{ctx.seed}")
    ptx = ctx.mined([wd.propose(me, prop)])[0]
    s.mine(blocks=ctx.m.params["voting_delay"] + 1)
    pid = wd.proposal_id(prop)
    votes: list[str] = []
    set_automine(ctx.w3, False)  # the world's voting period is 20 blocks: 2-4 votes a block
    try:
        while len(votes) < len(holders):
            batch = holders[len(votes): len(votes) + rng.randint(2, 4)]
            votes += [wd.vote(h, pid, 1) for h in batch]
            s.rpc("evm_increaseTime", [rng.randint(12, 60)])
            s.mine()
    finally:
        set_automine(ctx.w3, True)
    ctx.mined(votes)
    return [ctx.label("lookalike:popular_proposal", "20_established_holders", votes,
                      [exchange, *holders], [], proposal_id=str(pid), proposal_tx=ptx,
                      funding=funding)]


def matched_release(ctx: ScenarioContext) -> list[Label]:
    """A user locks ~10% of the escrow's holdings; the relayer releases it back later."""
    wd, s = ctx.wd, ctx.s
    user = ctx.actor("user")
    escrow = int(wd.token("HUSDC").functions.balanceOf(wd.bridge.address).call())
    amount = max(escrow // 10, 10**6)
    ctx.mined([wd.mint("HUSDC", user, amount)])
    ctx.mined([wd.approve(user, "HUSDC", wd.bridge.address)])
    deposit = ctx.mined([wd.bridge_deposit(user, "HUSDC", amount, 56, user)])
    s.rpc("evm_increaseTime", [1_800])
    s.mine(blocks=5)
    release = ctx.mined([wd.bridge_release("HUSDC", user, amount * 998 // 1000, 56,
                                           bytes(31) + b"\x07")])
    return [ctx.label("lookalike:matched_release", "10pct_of_escrow", deposit + release,
                      [user], [], escrow_before=str(escrow), amount=str(amount))]
