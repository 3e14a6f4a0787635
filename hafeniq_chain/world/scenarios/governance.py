"""Governance attacks on the OpenZeppelin Governor: flash-loan votes and voting rings."""

from __future__ import annotations

from hafeniq_chain.world.actions import Proposal
from hafeniq_chain.world.labels import Label
from hafeniq_chain.world.scenarios.base import E18, ScenarioContext


def _open_proposal(ctx: ScenarioContext, proposer: str, description: str
                   ) -> tuple[Proposal, int, str]:
    """Propose a treasury payout and mine past the voting delay so voting is open."""
    p = ctx.wd.transfer_proposal("HGOV", proposer, 50_000 * E18, description)
    tx = ctx.mined([ctx.wd.propose(proposer, p)])[0]
    ctx.s.mine(blocks=ctx.m.params["voting_delay"] + 1)
    return p, ctx.wd.proposal_id(p), tx


def flash_loan_vote(ctx: ScenarioContext) -> list[Label]:
    """Inside one transaction: flash-mint HGOV, delegate to self, vote, repay (ERC-3156)."""
    rng, wd, s = ctx.rng, ctx.wd, ctx.s
    attacker = ctx.actor("attacker", eth=100)
    me = ctx.m.accounts["deployer"]
    # A small stake held before the snapshot gives the vote its (modest) real weight.
    stake = rng.randint(1_000, 20_000) * E18
    ctx.mined([wd.transfer(me, "HGOV", attacker, stake)])
    deploy = s.deploy(attacker, "FlashVoter")
    voter = str(s.receipts([deploy])[0]["contractAddress"]).lower()
    ctx.mined([wd.delegate(attacker, voter)])  # the stake votes through the contract
    _, pid, ptx = _open_proposal(ctx, me, f"Routine parameter update #{ctx.seed}")
    borrowed = rng.choice([2, 5, 8]) * 1_000_000 * E18
    attack = ctx.mined([s.call(attacker, voter,
                               "attack(address,address,uint256,uint256,uint8)",
                               wd.gov.address, wd.governor.address, pid, borrowed, 1,
                               gas=1_500_000)])[0]
    return [ctx.label("flash_loan_governance", f"borrow_{borrowed // E18}", [deploy, attack],
                      [attacker, voter], [], proposal_id=str(pid), proposal_tx=ptx,
                      attack_tx=attack, borrowed=str(borrowed), token=wd.gov.address.lower(),
                      vote_contract=voter)]


def voting_ring(ctx: ScenarioContext) -> list[Label]:
    """Fresh wallets funded from one source delegate and vote the same way within minutes."""
    rng, wd = ctx.rng, ctx.wd
    me = ctx.m.accounts["deployer"]
    funder = ctx.actor("funder", eth=200)
    ring = [ctx.actor("ring", i, eth=0) for i in range(rng.randint(5, 12))]
    support = rng.choice([0, 1])
    # Exactly what the ring needs, so twenty seeded rings fit in the deployer's treasury.
    ctx.mined([wd.transfer(me, "HGOV", funder, len(ring) * 30_000 * E18)])
    funding = ctx.mined([wd.send_eth(funder, r, E18) for r in ring]
                        + [wd.transfer(funder, "HGOV", r, 30_000 * E18) for r in ring])
    delegations = ctx.mined([wd.delegate(r, r) for r in ring])
    _, pid, ptx = _open_proposal(ctx, me, f"Treasury diversification #{ctx.seed}")
    votes = []
    for r in ring:
        ctx.s.rpc("evm_increaseTime", [rng.randint(20, 90)])
        votes += ctx.mined([wd.vote(r, pid, support)])
    return [ctx.label("voting_ring", f"{len(ring)}_wallets", funding + delegations + votes,
                      [funder, *ring], [], proposal_id=str(pid), proposal_tx=ptx,
                      support=support, funder=funder, vote_txs=votes)]
