"""The deployed world works through its real contracts: Router02 swaps, the full governance
lifecycle, bridge deposit and relayer release, and the manifest round-trips."""

from __future__ import annotations

from pathlib import Path

from web3 import Web3

from hafeniq_chain.chain.anvil import AnvilNode
from hafeniq_chain.world.actions import World
from hafeniq_chain.world.manifest import Manifest
from hafeniq_chain.world.txs import Sender, events

E18 = 10**18
USER = "0x00000000000000000000000000000000000a11ce"


def _world(node: AnvilNode, manifest: Manifest) -> tuple[Web3, Sender, World]:
    w3 = Web3(Web3.HTTPProvider(node.http_url))
    s = Sender(w3)
    w3.provider.make_request("anvil_setBalance", [USER, hex(100 * E18)])  # type: ignore[arg-type]
    return w3, s, World(s, manifest)


def test_manifest_shape_and_roundtrip(world: tuple[AnvilNode, Manifest], tmp_path: Path) -> None:
    node, manifest = world
    w3 = Web3(Web3.HTTPProvider(node.http_url))
    assert manifest.chain_id == w3.eth.chain_id
    for name, c in manifest.contracts.items():
        assert len(w3.eth.get_code(Web3.to_checksum_address(c.address))) > 0, name
        assert c.deploy_block >= manifest.deploy_block
    assert manifest.tokens["HUSDC"].decimals == 6 and manifest.tokens["HUSD"].decimals == 18
    assert Manifest.load(manifest.save(tmp_path / "m.json")) == manifest


def test_swap_through_router02_matches_quote(world: tuple[AnvilNode, Manifest]) -> None:
    _w3, s, wd = _world(*world)
    pair = s.contract("UniswapV2Pair", world[1].pairs["TKA/WETH"])
    # The pair the router routes through is the one our factory created (init-code hash).
    assert pair.functions.factory().call() == world[1].address("Factory")
    expected = wd.quote_buy("TKA", E18)
    receipt = s.receipts([wd.buy(USER, "TKA", E18)])[0]
    swaps = events(pair, "Swap", receipt)
    assert len(swaps) == 1
    assert wd.token("TKA").functions.balanceOf(Web3.to_checksum_address(USER)).call() == expected


def test_governance_full_lifecycle(world: tuple[AnvilNode, Manifest]) -> None:
    w3, s, wd = _world(*world)
    me = world[1].accounts["deployer"]
    proposal = wd.transfer_proposal("HGOV", USER, 1_000 * E18, "Grant 1000 HGOV to alice")
    pid = wd.proposal_id(proposal)
    s.receipts([wd.propose(me, proposal)])
    assert wd.governor.functions.state(pid).call() == 0  # Pending
    s.mine(blocks=2)
    assert wd.governor.functions.state(pid).call() == 1  # Active
    vote = s.receipts([wd.vote(me, pid, 1)])[0]
    assert events(wd.governor, "VoteCast", vote)[0]["args"]["weight"] > 0
    s.mine(blocks=world[1].params["voting_period"] + 1)
    assert wd.governor.functions.state(pid).call() == 4  # Succeeded
    s.receipts([wd.queue(me, proposal)])
    assert wd.governor.functions.state(pid).call() == 5  # Queued
    w3.provider.make_request("evm_increaseTime",  # type: ignore[arg-type]
                             [world[1].params["timelock_delay"] + 1])
    s.mine()
    s.receipts([wd.execute(me, proposal)])
    assert wd.governor.functions.state(pid).call() == 7  # Executed
    assert wd.gov.functions.balanceOf(Web3.to_checksum_address(USER)).call() == 1_000 * E18


def test_bridge_deposit_and_release(world: tuple[AnvilNode, Manifest]) -> None:
    _w3, s, wd = _world(*world)
    amount = 250 * 10**6
    s.receipts([wd.mint("HUSDC", USER, amount),
                wd.approve(USER, "HUSDC", wd.bridge.address)])
    dep = s.receipts([wd.bridge_deposit(USER, "HUSDC", amount, 10, USER)])[0]
    ev = events(wd.bridge, "Deposit", dep)[0]["args"]
    assert (ev["from"].lower(), ev["amount"], ev["destChainId"]) == (USER, amount, 10)
    rel = s.receipts([wd.bridge_release("HUSDC", USER, amount, 10, b"\x01" * 32)])[0]
    wd_ev = events(wd.bridge, "Withdrawal", rel)[0]["args"]
    assert (wd_ev["recipient"].lower(), wd_ev["amount"]) == (USER, amount)
    # Only the relayer may release.
    bad = s.call(USER, wd.bridge.address, "release(address,address,uint256,uint256,bytes32)",
                 wd.tok("HUSDC"), USER, amount, 10, b"\x02" * 32, gas=150_000)
    assert s.receipts([bad], require_ok=False)[0]["status"] == 0
