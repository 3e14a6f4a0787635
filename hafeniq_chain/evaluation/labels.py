"""Ground-truth labels written by the Anvil world's scenarios (``labels.jsonl``)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class AttackLabel:
    """One labelled attack instance: which transactions, which actors, which blocks."""

    scenario: str
    attack_type: str
    seed: int
    variant: str
    tx_hashes: tuple[str, ...]
    actors: tuple[str, ...]
    victims: tuple[str, ...]
    block_from: int | None
    block_to: int | None
    details: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> AttackLabel:
        return cls(
            scenario=str(raw["scenario"]),
            attack_type=str(raw.get("attack_type", raw["scenario"])),
            seed=int(raw.get("seed", 0)),
            variant=str(raw.get("variant", "")),
            tx_hashes=tuple(h.lower() for h in raw.get("tx_hashes", [])),
            actors=tuple(a.lower() for a in raw.get("actors", [])),
            victims=tuple(v.lower() for v in raw.get("victims", [])),
            block_from=raw.get("block_from"),
            block_to=raw.get("block_to"),
            details=dict(raw.get("details", {})),
        )


def load_labels(path: Path) -> list[AttackLabel]:
    """Read a labels JSONL file; a malformed line is an error naming its line number."""
    labels = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if not line.strip():
            continue
        try:
            labels.append(AttackLabel.from_json(json.loads(line)))
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}:{number}: not a valid label: {exc}") from None
    return labels
