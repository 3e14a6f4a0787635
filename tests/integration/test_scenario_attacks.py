"""Every attack scenario runs on a fresh world and its labels match what the chain says."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from web3 import Web3
from web3.types import TxReceipt

from hafeniq_chain.chain.anvil import AnvilNode
from hafeniq_chain.world.actions import World
from hafeniq_chain.world.labels import Label, read_labels
from hafeniq_chain.world.manifest import Manifest
from hafeniq_chain.world.scenarios import SCENARIOS, run_scenario
from hafeniq_chain.world.state import WorldFiles, start_world
from hafeniq_chain.world.txs import Sender, events

Check = Callable[[Label, list[TxReceipt], World, Path], None]


def _sandwich(lb: Label, rs: list[TxReceipt], wd: World, out: Path) -> None:
    assert len({r["blockNumber"] for r in rs}) == 1
    idx = [r["transactionIndex"] for r in rs]
    assert idx == sorted(idx)  # front-run, victims, back-run in this order
    pair = wd.s.contract("UniswapV2Pair", lb.details["pair"])
    assert all(len(events(pair, "Swap", r)) == 1 for r in rs)
    assert rs[0]["from"].lower() == rs[-1]["from"].lower() == lb.actors[0]
    assert lb.victims == lb.tx_hashes[1:-1]
    if lb.details["helper_contract"]:  # the helper, not the EOA, holds tokens between legs
        swap = events(pair, "Swap", rs[0])[0]["args"]
        assert swap["to"].lower() == lb.details["helper_contract"]


def _flash(lb: Label, rs: list[TxReceipt], wd: World, out: Path) -> None:
    attack = rs[-1]
    voter = lb.details["vote_contract"]
    votes = events(wd.governor, "VoteCast", attack)
    assert len(votes) == 1 and votes[0]["args"]["voter"].lower() == voter
    transfers = events(wd.gov, "Transfer", attack)
    zero = "0x" + "00" * 20
    minted = [t for t in transfers if t["args"]["from"] == zero]
    burned = [t for t in transfers if t["args"]["to"] == zero]
    assert minted and burned and minted[0]["args"]["value"] == int(lb.details["borrowed"])
    assert events(wd.gov, "DelegateChanged", attack)


def _ring(lb: Label, rs: list[TxReceipt], wd: World, out: Path) -> None:
    votes = [r for r in rs if r["transactionHash"].to_0x_hex() in lb.details["vote_txs"]]
    supports = {events(wd.governor, "VoteCast", r)[0]["args"]["support"] for r in votes}
    assert supports == {lb.details["support"]} and len(votes) == len(lb.actors) - 1
    times = [wd.s.w3.eth.get_block(r["blockNumber"])["timestamp"] for r in votes]
    assert max(times) - min(times) < 30 * 60  # within minutes


def _drain(lb: Label, rs: list[TxReceipt], wd: World, out: Path) -> None:
    drained = events(wd.bridge, "Withdrawal", rs[0])[0]["args"]
    assert drained["recipient"].lower() == lb.actors[0]
    assert drained["amount"] == int(lb.details["amount"])
    dep = events(wd.bridge, "Deposit", rs[-1])[0]["args"]
    assert dep["from"].lower() == lb.actors[-1] and dep["amount"] == int(lb.details["amount"])


def _copycat(lb: Label, rs: list[TxReceipt], wd: World, out: Path) -> None:
    recipients = [events(wd.bridge, "Withdrawal", r)[0]["args"]["recipient"].lower()
                  for r in rs]
    assert recipients == lb.actors and len(set(recipients)) == len(rs)
    inputs = [wd.s.w3.eth.get_transaction(r["transactionHash"])["input"] for r in rs]
    assert {len(i) for i in inputs} == {len(inputs[0])}  # same calldata shape throughout


def _rug(lb: Label, rs: list[TxReceipt], wd: World, out: Path) -> None:
    pair = wd.s.contract("UniswapV2Pair", lb.details["pair"])
    assert events(pair, "Mint", rs[3]) and events(pair, "Burn", rs[-1])
    assert all(events(pair, "Swap", r) for r in rs if r["transactionHash"].to_0x_hex()
               in lb.victims)
    assert pair.functions.totalSupply().call() == 1000  # only MINIMUM_LIQUIDITY is left


def _drift(lb: Label, rs: list[TxReceipt], wd: World, out: Path) -> None:
    assert len(rs) == lb.details["burst_size"] and len({r["blockNumber"] for r in rs}) == 1
    chains = {events(wd.bridge, "Deposit", r)[0]["args"]["destChainId"] for r in rs}
    assert len(chains) > len(rs) // 2  # parameter entropy spike


def _withdrawals(lb: Label, rs: list[TxReceipt], wd: World, out: Path) -> None:
    batch = json.loads(Path(lb.details["events_file"]).read_text())["events"]
    attack = [e for e in batch if e["event_id"] in set(lb.details["event_ids"])]
    assert len(attack) == len(lb.details["event_ids"]) >= 20
    assert {e["destination_address"] for e in attack} <= set(lb.details["destinations"])
    assert all(e["kind"] == "withdrawal_request" for e in batch)


def _outsized(lb: Label, rs: list[TxReceipt], wd: World, out: Path) -> None:
    history = [events(wd.token("HUSDC"), "Transfer", wd.s.receipts([h])[0])[0]["args"]["value"]
               for h in lb.details["history_txs"]]
    big = events(wd.token("HUSDC"), "Transfer", rs[0])[0]["args"]["value"]
    assert big == int(lb.details["amount"]) and big > 10 * max(history)


CHECKS: dict[str, Check] = {
    "sandwich": _sandwich, "flash_loan_governance": _flash, "voting_ring": _ring,
    "bridge_drain": _drain, "nomad_copycat": _copycat, "liquidity_rug": _rug,
    "interaction_drift": _drift, "coordinated_withdrawals": _withdrawals,
    "amount_above_forecast": _outsized,
}


def test_every_scenario_has_a_check() -> None:
    assert set(CHECKS) == set(SCENARIOS)


def test_same_seed_same_labels(world_files: WorldFiles, tmp_path: Path) -> None:
    """Scenarios are reproducible: two fresh worlds, same seed -> same actors and variant."""
    runs = []
    for _ in range(2):
        node, manifest = start_world(world_files)
        try:
            w3 = Web3(Web3.HTTPProvider(node.http_url))
            runs.append(run_scenario("nomad_copycat", w3, manifest, seed=5, out_dir=tmp_path))
        finally:
            node.stop()
    a, b = runs[0][0], runs[1][0]
    assert (a.variant, a.actors, a.details["template_calldata"]) == (
        b.variant, b.actors, b.details["template_calldata"])


@pytest.mark.parametrize(("name", "seed"), [*((n, 1) for n in sorted(SCENARIOS)),
                                             ("sandwich", 2)])  # seed 2: via helper contract
def test_scenario_labels_match_chain(name: str, seed: int, world: tuple[AnvilNode, Manifest],
                                     tmp_path: Path) -> None:
    node, manifest = world
    w3 = Web3(Web3.HTTPProvider(node.http_url))
    labels_file = tmp_path / "labels.jsonl"
    labels = run_scenario(name, w3, manifest, seed=seed, out_dir=tmp_path,
                          labels_file=labels_file)
    assert read_labels(labels_file) == labels and labels
    wd = World(Sender(w3), manifest)
    for lb in labels:
        assert (lb.scenario, lb.seed) == (name, seed)
        rs = wd.s.receipts(lb.tx_hashes)  # raises if a labelled tx reverted
        blocks = [int(r["blockNumber"]) for r in rs]
        if rs:
            assert (min(blocks), max(blocks)) == (lb.block_from, lb.block_to)
            assert blocks == sorted(blocks)
        assert set(lb.victims) <= set(lb.tx_hashes)
        CHECKS[name](lb, rs, wd, tmp_path)
