"""Every threshold of the governance, bridge, laundering and rug detectors is in the README."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel

from hafeniq_chain.detect.settings import DetectSettings

README = Path(__file__).resolve().parents[2] / "README.md"
TABLES = ("voting_ring", "bridge_drain", "copycat_wave", "fund_tracing", "liquidity_rug")


def _keys(model: type[BaseModel]) -> list[str]:
    out = []
    for name, info in model.model_fields.items():
        sub = info.annotation
        if isinstance(sub, type) and issubclass(sub, BaseModel):
            out += _keys(sub)
        else:
            out.append(name)
    return out


@pytest.mark.parametrize("table", TABLES)
def test_every_key_of_the_table_is_documented(table: str) -> None:
    text = README.read_text()
    section = text[text.index("#### Governance, bridge, laundering and rug settings"):]
    row = next(line for line in section.splitlines() if line.startswith(f"| `[detect.{table}]`"))
    model = type(DetectSettings().of(table))
    missing = [k for k in _keys(model) if f"`{k}`" not in row]
    assert not missing, f"[detect.{table}] keys missing from the README: {missing}"
