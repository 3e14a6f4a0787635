"""Every benchmark `make bench` lists imports and exposes ``run()`` (a broken import would
only show up as an ERROR row after minutes of other benchmarks)."""

from __future__ import annotations

import importlib

import pytest

from bench.__main__ import BENCHMARKS


@pytest.mark.parametrize("name", BENCHMARKS)
def test_benchmark_module_imports_and_has_run(name: str) -> None:
    assert callable(importlib.import_module(name).run)
