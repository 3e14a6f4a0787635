"""The attack scenario registry: name -> function(ScenarioContext) -> list[Label].

Adding a scenario = one function in a module here + one line in ``SCENARIOS``.
"""

from __future__ import annotations

from pathlib import Path

from web3 import Web3

from hafeniq_chain.log import get_logger
from hafeniq_chain.world.actions import World
from hafeniq_chain.world.labels import Label, append_labels
from hafeniq_chain.world.manifest import Manifest
from hafeniq_chain.world.scenarios.anomalies import interaction_drift, outsized_transfer
from hafeniq_chain.world.scenarios.base import ScenarioContext, ScenarioFn
from hafeniq_chain.world.scenarios.bridge import bridge_drain, nomad_copycat
from hafeniq_chain.world.scenarios.governance import flash_loan_vote, voting_ring
from hafeniq_chain.world.scenarios.mev import liquidity_rug, sandwich
from hafeniq_chain.world.scenarios.withdrawals import coordinated_withdrawals
from hafeniq_chain.world.txs import Sender

log = get_logger(__name__)

SCENARIOS: dict[str, tuple[ScenarioFn, str]] = {
    "sandwich": (sandwich, "front-run, victim(s), back-run in one block"),
    "flash_loan_governance": (flash_loan_vote, "flash-mint votes, delegate, vote, repay in 1 tx"),
    "voting_ring": (voting_ring, "fresh wallets funded by one source vote alike within minutes"),
    "bridge_drain": (bridge_drain, "broken-verification drain, multi-hop, bridge deposit"),
    "nomad_copycat": (nomad_copycat, "many addresses replay the same exploit calldata"),
    "liquidity_rug": (liquidity_rug, "add liquidity, attract buyers, pull everything"),
    "interaction_drift": (interaction_drift, "burst of a function from a fresh address"),
    "coordinated_withdrawals": (coordinated_withdrawals,
                                "off-chain withdrawals converging on few destinations"),
    "amount_above_forecast": (outsized_transfer, "hot-wallet transfer far above its usual"),
}


def run_scenario(name: str, w3: Web3, manifest: Manifest, seed: int, *,
                 out_dir: Path = Path("."), labels_file: Path | None = None) -> list[Label]:
    """Run one scenario on a live world; optionally append its labels to a JSONL file."""
    fn, _ = SCENARIOS[name]
    s = Sender(w3)
    ctx = ScenarioContext(w3, s, World(s, manifest), manifest, out_dir, seed, name)
    labels = fn(ctx)
    if labels_file is not None:
        append_labels(labels_file, labels)
    log.info("world.scenario.done", scenario=name, seed=seed, labels=len(labels),
             txs=sum(len(lb.tx_hashes) for lb in labels))
    return labels


__all__ = ["SCENARIOS", "Label", "ScenarioContext", "run_scenario"]
