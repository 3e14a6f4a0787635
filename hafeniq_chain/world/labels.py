"""Ground-truth labels for attack scenarios, one JSON object per line (``labels.jsonl``).

Shape (stable, documented in README "Anvil world"): ``scenario``, ``attack_type``, ``seed``,
``variant``, ``tx_hashes`` (in execution order), ``actors``, ``victims`` (victim tx hashes),
``block_from``, ``block_to``, ``details`` (scenario specific).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

LABELS_FILE = "labels.jsonl"


@dataclass
class Label:
    """One labelled attack instance."""

    scenario: str
    attack_type: str
    seed: int
    variant: str
    tx_hashes: list[str]
    actors: list[str]
    victims: list[str]
    block_from: int
    block_to: int
    details: dict[str, Any] = field(default_factory=dict)


def append_labels(path: Path, labels: list[Label]) -> None:
    """Append labels to a JSONL file (created if missing)."""
    with path.open("a") as fh:
        for label in labels:
            fh.write(json.dumps(asdict(label), sort_keys=True) + "\n")


def read_labels(path: Path) -> list[Label]:
    return [Label(**json.loads(line)) for line in path.read_text().splitlines() if line]
