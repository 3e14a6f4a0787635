"""Bridge attacks on BridgeEscrow's deliberately broken ``process`` path (zero root accepted).

The drain is followed by multi-hop laundering into a bridge deposit; the copycat wave is
many addresses replaying the first exploit's calldata with only the recipient changed,
as happened to Nomad (see shared/data).
"""

from __future__ import annotations

import itertools

from eth_abi.abi import encode

from hafeniq_chain.world.labels import Label
from hafeniq_chain.world.scenarios.base import ScenarioContext
from hafeniq_chain.world.txs import calldata, set_automine


def _message(ctx: ScenarioContext, recipient: str, amount: int, salt: bytes) -> bytes:
    return encode(["address", "address", "uint256", "uint256", "bytes32"],
                  [ctx.wd.tok("HUSDC"), recipient, amount, 10, salt])


def bridge_drain(ctx: ScenarioContext) -> list[Label]:
    """Drain via an unproven message, hop through fresh wallets, deposit into the bridge."""
    rng, wd = ctx.rng, ctx.wd
    thief = ctx.actor("thief")
    amount = rng.randint(200_000, 900_000) * 10**6
    drain = ctx.mined([ctx.s.call(thief, wd.bridge.address, "process(bytes)",
                                  _message(ctx, thief, amount, b"\x00" * 32), gas=200_000)])
    hops = [ctx.actor("hop", i, eth=1) for i in range(rng.randint(2, 4))]
    chain, moves = [thief, *hops], []
    for src, dst in itertools.pairwise(chain):
        ctx.s.rpc("evm_increaseTime", [rng.randint(60, 900)])
        moves += ctx.mined([wd.transfer(src, "HUSDC", dst, amount)])
    last = chain[-1]
    exit_tx = ctx.mined([wd.approve(last, "HUSDC", wd.bridge.address),
                         wd.bridge_deposit(last, "HUSDC", amount, 56, last)])
    return [ctx.label("bridge_drain", f"{len(hops)}_hops", [*drain, *moves, *exit_tx],
                      chain, [], amount=str(amount), drain_tx=drain[0], hops=hops,
                      exit_deposit_tx=exit_tx[-1], token=wd.tok("HUSDC"))]


def nomad_copycat(ctx: ScenarioContext) -> list[Label]:
    """One exploit, then a wave of copycats replaying its calldata with a new recipient."""
    rng, wd = ctx.rng, ctx.wd
    first = ctx.actor("first")
    amount = rng.randint(10_000, 60_000) * 10**6
    salt = bytes(32)
    template = calldata("process(bytes)", _message(ctx, first, amount, salt))
    copycats = [ctx.actor("copycat", i, eth=1) for i in range(rng.randint(10, 30))]
    # The escrow holds other users' deposits worth the whole wave (many seeds in one world
    # would otherwise run it dry and the later copycats would revert).
    ctx.mined([wd.mint("HUSDC", wd.bridge.address, amount * (len(copycats) + 1))])
    hashes = ctx.mined([ctx.s.send(first, wd.bridge.address, template, gas=200_000)])
    per_block = rng.choice([1, 3, 5])
    set_automine(ctx.w3, False)
    try:
        for i in range(0, len(copycats), per_block):
            for c in copycats[i : i + per_block]:
                # same calldata, only the recipient word replaced (what Nomad copycats did)
                data = template.replace(bytes.fromhex(first[2:]), bytes.fromhex(c[2:]))
                hashes.append(ctx.s.send(c, wd.bridge.address, data, gas=200_000))
            ctx.s.rpc("evm_increaseTime", [rng.randint(5, 40)])
            ctx.s.mine()
    finally:
        set_automine(ctx.w3, True)
    ctx.mined(hashes)
    return [ctx.label("nomad_copycat", f"{len(copycats)}_copycats_{per_block}_per_block",
                      hashes, [first, *copycats], [], amount_each=str(amount),
                      template_calldata="0x" + template.hex(), first_tx=hashes[0])]
