"""The package picture: every stage imports downward only, and no two packages import
each other. The layers are the data flow of the README's "Layers" section; a new package
must be placed here, so its position is a decision rather than an accident."""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

PACKAGE = Path(__file__).resolve().parents[2] / "hafeniq_chain"

# Lowest first. A unit may import units of its own layer or below, never above.
LAYERS: list[set[str]] = [
    {"core", "log", "metrics", "aio"},
    {"decode"},
    {"store", "audit"},
    {"chain", "alert"},
    {"detect", "rules"},
    # NOTE: config assembles the detector tables (detect.settings) with core's sections.
    {"config", "chainset", "fuse"},
    {"offchain"},
    {"replay", "api", "world"},
    {"daemon", "fleet", "evaluation"},
    {"demo", "commands"},
    {"cli", "__main__", "__init__"},
]
RANK = {unit: rank for rank, units in enumerate(LAYERS) for unit in units}


def _unit(module_path: Path) -> str:
    """The package (or top-level module) a file belongs to."""
    parts = module_path.relative_to(PACKAGE).with_suffix("").parts
    return parts[0]


def _imported_units(path: Path) -> set[str]:
    """Every hafeniq_chain unit a file imports, at any depth of the file."""
    units: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "hafeniq_chain" and len(parts) > 1:
                units.add(parts[1])
    return units


def _graph() -> nx.DiGraph:
    graph = nx.DiGraph()
    for path in PACKAGE.rglob("*.py"):
        source = _unit(path)
        graph.add_node(source)
        for target in _imported_units(path) - {source}:
            graph.add_edge(source, target, file=str(path.relative_to(PACKAGE)))
    return graph


def test_every_unit_has_a_layer() -> None:
    assert set(_graph().nodes) - set(RANK) == set()


def test_no_upward_import() -> None:
    graph = _graph()
    upward = [f"{graph.edges[s, t]['file']}: {s} (layer {RANK[s]}) imports {t} "
              f"(layer {RANK[t]})" for s, t in graph.edges if RANK[t] > RANK[s]]
    assert upward == []


def test_no_package_cycle() -> None:
    assert list(nx.simple_cycles(_graph())) == []
