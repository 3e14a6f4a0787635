"""Committed contract artifacts (ABI + creation bytecode) from ``contracts-fixtures/``.

Tests and the world deployer read these JSON files, so no compiler is needed at run time;
``make fixtures`` regenerates them from the npm packages and ``contracts-fixtures/src``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS_DIR = REPO_ROOT / "contracts-fixtures" / "artifacts"


@dataclass(frozen=True)
class Artifact:
    """One contract: its ABI, creation bytecode and where it came from."""

    name: str
    abi: list[dict[str, Any]]
    bytecode: str
    source: str


@cache
def load_artifact(name: str, directory: Path = ARTIFACTS_DIR) -> Artifact:
    """Read ``<directory>/<name>.json``; cached because the deployer asks repeatedly."""
    data = json.loads((directory / f"{name}.json").read_text())
    return Artifact(name=data["contractName"], abi=data["abi"], bytecode=data["bytecode"],
                    source=data["source"])


def artifact_names(directory: Path = ARTIFACTS_DIR) -> list[str]:
    """Names of all committed artifacts, sorted."""
    return sorted(p.stem for p in directory.glob("*.json"))
