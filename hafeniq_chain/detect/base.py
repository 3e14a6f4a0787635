"""The detector plugin contract: a Protocol, declared triggers and a registry.

Adding a detector = one new module + one line in ``registry.py``. Detectors get
a read-only context and return Findings; they never write alerts themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from hafeniq_chain.core.finding import Finding
from hafeniq_chain.decode.records import BlockBundle, PendingTxRecord


@dataclass(frozen=True)
class Triggers:
    """What wakes a detector: topics, selectors, addresses, off-chain kinds (empty = all)."""

    blocks: bool = True
    pending: bool = False
    topics: frozenset[str] = frozenset()
    selectors: frozenset[str] = frozenset()
    addresses: frozenset[str] = frozenset()
    offchain_kinds: frozenset[str] = frozenset()


@runtime_checkable
class PendingSimulator(Protocol):
    """Runs a pending transaction against the latest state without sending it."""

    async def inner_calls(self, tx: PendingTxRecord) -> list[tuple[str, bytes]]:
        """Every call it would make, outermost first, as (to address, calldata)."""
        ...


@dataclass
class DetectionContext:
    """Read-only view detectors may consult: the pool, chain id, settings and shared state.

    ``simulator`` is set at the chain head (a node is there to ask); replays have none.
    """

    chain_id: int
    pool: Any = None  # asyncpg.Pool when running against a database; None in pure tests
    settings: Any = None
    state: dict[str, Any] = field(default_factory=dict)
    simulator: PendingSimulator | None = None


@runtime_checkable
class Detector(Protocol):
    """A named, versioned detector. Implement the hooks your triggers ask for."""

    name: str
    version: str
    triggers: Triggers

    async def on_block(self, block: BlockBundle, ctx: DetectionContext) -> list[Finding]:
        """Findings about one mined block (may consult earlier blocks via ``ctx``)."""
        ...

    async def on_pending(self, tx: PendingTxRecord, ctx: DetectionContext) -> list[Finding]:
        """Findings about one pending transaction, before any block includes it."""
        ...


@runtime_checkable
class LearningDetector(Protocol):
    """A detector with learned baselines worth keeping across restarts."""

    name: str

    def export_baselines(self) -> list[tuple[str, dict[str, Any], int]]:
        """(scope, state, samples) rows for the ``baselines`` table."""
        ...

    def import_baselines(self, rows: list[tuple[str, dict[str, Any]]]) -> None:
        """Restore what ``export_baselines`` produced."""
        ...
