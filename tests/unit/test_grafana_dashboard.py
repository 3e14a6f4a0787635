"""The shipped Grafana dashboard queries only metrics the daemon exports, by their names."""

from __future__ import annotations

import json
import re
from pathlib import Path

from hafeniq_chain.metrics import REGISTRY

DASHBOARD = Path(__file__).resolve().parents[2] / "examples" / "grafana" / "hafeniq-chain.json"


def _exported() -> set[str]:
    names: set[str] = set()
    for family in REGISTRY.collect():
        kind = family.type
        base = family.name
        names |= {base, f"{base}_total"} if kind == "counter" else {base}
        if kind == "histogram":
            names |= {f"{base}_bucket", f"{base}_sum", f"{base}_count"}
    return names


def test_every_panel_query_uses_an_exported_metric() -> None:
    dash = json.loads(DASHBOARD.read_text())
    used = {m for p in dash["panels"] for t in p["targets"]
            for m in re.findall(r"hafeniq_[a-z_]+", t["expr"])}
    assert used and used <= _exported(), used - _exported()
    titles = " ".join(p["title"].lower() for p in dash["panels"])
    for topic in ("head lag", "blocks", "findings by detector", "alert deliveries",
                  "delivery latency", "scoring latency"):
        assert topic in titles
    ids = [p["id"] for p in dash["panels"]]
    assert len(ids) == len(set(ids))
    assert all(p["gridPos"]["x"] + p["gridPos"]["w"] <= 24 for p in dash["panels"])
