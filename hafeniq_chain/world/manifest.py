"""The world manifest: where everything was deployed. Detectors, the demo and tests read it.

File name ``world-manifest.json`` by default; the shape is documented in README "Anvil world"
and kept stable: ``chain_id``, ``deploy_block``, ``contracts`` (name -> address, deploy_block,
abi = artifact name), ``pairs`` ("TKA/WETH" -> pair address), ``tokens`` (symbol -> address,
decimals), ``accounts`` (role -> address) and ``params`` (governance timings etc.).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

MANIFEST_FILE = "world-manifest.json"


@dataclass
class Deployed:
    """One deployed contract instance."""

    address: str
    deploy_block: int
    abi: str  # artifact name in contracts-fixtures/artifacts


@dataclass
class TokenInfo:
    """An ERC-20 of the world."""

    address: str
    decimals: int


@dataclass
class Manifest:
    """Everything a consumer needs to find the world's contracts and actors."""

    chain_id: int
    deploy_block: int
    contracts: dict[str, Deployed] = field(default_factory=dict)
    pairs: dict[str, str] = field(default_factory=dict)
    tokens: dict[str, TokenInfo] = field(default_factory=dict)
    accounts: dict[str, str] = field(default_factory=dict)
    params: dict[str, int] = field(default_factory=dict)

    def address(self, name: str) -> str:
        """Address of a contract by manifest name (e.g. ``Router02``)."""
        return self.contracts[name].address

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Manifest:
        return cls(
            chain_id=int(data["chain_id"]), deploy_block=int(data["deploy_block"]),
            contracts={k: Deployed(**v) for k, v in data["contracts"].items()},
            pairs=dict(data["pairs"]),
            tokens={k: TokenInfo(**v) for k, v in data["tokens"].items()},
            accounts=dict(data["accounts"]), params=dict(data.get("params", {})),
        )

    def save(self, path: Path) -> Path:
        path.write_text(json.dumps(self.to_dict(), indent=2, sort_keys=True) + "\n")
        return path

    @classmethod
    def load(cls, path: Path) -> Manifest:
        return cls.from_dict(json.loads(path.read_text()))
