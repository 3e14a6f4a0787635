"""What every scenario shares: the context it runs in and helpers for actors and labels."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from eth_utils.crypto import keccak
from web3 import Web3

from hafeniq_chain.world.actions import World
from hafeniq_chain.world.labels import Label
from hafeniq_chain.world.manifest import Manifest
from hafeniq_chain.world.txs import Sender

E18 = 10**18


@dataclass
class ScenarioContext:
    """A running world plus where off-chain artefacts (event files) go."""

    w3: Web3
    s: Sender
    wd: World
    m: Manifest
    out_dir: Path
    seed: int
    name: str

    @property
    def rng(self) -> random.Random:
        return random.Random(f"{self.name}:{self.seed}")

    def actor(self, tag: str, i: int = 0, eth: int = 100) -> str:
        """A fresh, key-less address (driven by impersonation) funded with ETH."""
        addr = "0x" + keccak(text=f"hafeniq-{self.name}:{self.seed}:{tag}:{i}")[-20:].hex()
        if eth:
            self.s.rpc("anvil_setBalance", [addr, hex(eth * E18)])
        return addr

    def mined(self, hashes: list[str]) -> list[str]:
        """Wait for receipts (all must succeed); returns the hashes for chaining."""
        self.s.receipts(hashes)
        return hashes

    def label(self, attack_type: str, variant: str, hashes: list[str], actors: list[str],
              victims: list[str] | None = None, **details: object) -> Label:
        blocks = [int(r["blockNumber"]) for r in self.s.receipts(hashes)] or [0]
        return Label(self.name, attack_type, self.seed, variant, hashes, actors, victims or [],
                     min(blocks), max(blocks), dict(details))


ScenarioFn = Callable[[ScenarioContext], list[Label]]
