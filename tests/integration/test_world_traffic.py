"""Benign traffic: seeded and reproducible, lands on chain with its habits visible."""

from __future__ import annotations

from web3 import Web3

from hafeniq_chain.chain.anvil import AnvilNode
from hafeniq_chain.world.artifacts import load_artifact
from hafeniq_chain.world.intents import make_habits, make_intents
from hafeniq_chain.world.manifest import Manifest
from hafeniq_chain.world.traffic import intents_digest, run_benign


def test_same_seed_same_intents_other_seed_differs() -> None:
    habits = make_habits(7, 60)
    a = make_intents(7, habits, 2_000, 24)
    assert a == make_intents(7, make_habits(7, 60), 2_000, 24)
    assert intents_digest(a) != intents_digest(make_intents(8, make_habits(8, 60), 2_000, 24))
    assert [i.t for i in a] == sorted(i.t for i in a)
    kinds = {i.kind for i in a}
    assert {"buy", "sell", "transfer", "add_lp", "remove_lp", "bridge_deposit",
            "bridge_withdrawal", "propose"} <= kinds
    sizes = sorted(i.amount for i in a if i.kind == "buy")
    # heavy tail: the largest buys dwarf the median one
    assert sizes[-1] > 20 * sizes[len(sizes) // 2]


def test_benign_run_lands_on_chain(world: tuple[AnvilNode, Manifest]) -> None:
    node, manifest = world
    w3 = Web3(Web3.HTTPProvider(node.http_url))
    stats = run_benign(w3, manifest, seed=3, n_tx=600, hours=2, n_wallets=60)
    assert stats.tx_sent >= 600
    assert stats.tx_failed <= stats.tx_sent // 20
    mined = sum(len(w3.eth.get_block(n)["transactions"])
                for n in range(stats.first_block, stats.last_block + 1))
    assert mined == stats.tx_sent
    ts = [w3.eth.get_block(n)["timestamp"] for n in (stats.first_block, stats.last_block)]
    assert ts[1] - ts[0] > 3_600  # spread over simulated hours, not wall-clock seconds
    # ordinary governance: benign proposals get votes inside their voting window
    governor = w3.eth.contract(address=Web3.to_checksum_address(manifest.address("Governor")),
                               abi=load_artifact("HafenGovernor").abi)
    span = {"from_block": stats.first_block, "to_block": stats.last_block}
    assert governor.events.ProposalCreated().get_logs(**span)  # type: ignore[arg-type]
    assert len(governor.events.VoteCast().get_logs(**span)) >= 3  # type: ignore[arg-type]
    assert stats.intents_digest == intents_digest(make_intents(3, make_habits(3, 60), 600, 2))
    # automine restored: a plain send is mined without an explicit evm_mine
    tx = w3.eth.send_transaction({"from": manifest.accounts["deployer"],
                                  "to": manifest.accounts["lp"], "value": 1})
    assert w3.eth.wait_for_transaction_receipt(tx, timeout=10)["blockNumber"] == (
        stats.last_block + 1)
