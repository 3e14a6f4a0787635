"""The detector plugin contract: a base class, declared triggers, typed settings.

Adding a detector = one new module (a ``Detector`` subclass with its ``DetectorSettings``)
+ its class in ``registry.DETECTORS`` + its table in ``settings.DetectSettings``. Detectors
are configured when they are built (``from_settings``), from the same typed settings under
``run``, ``backfill``, ``replay`` and ``eval``; they get a read-only context per call and
return Findings; they never write alerts themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, Self, runtime_checkable

from pydantic import BaseModel, ConfigDict

from hafeniq_chain.core.finding import Finding
from hafeniq_chain.decode.records import BlockBundle, PendingTxRecord

if TYPE_CHECKING:
    from hafeniq_chain.detect.settings import DetectionSettings


class DetectorSettings(BaseModel):
    """Base of every ``[detect.<name>]`` table: unknown keys are errors, values immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


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


def _default_settings() -> DetectionSettings:
    from hafeniq_chain.detect.settings import DetectionSettings

    return DetectionSettings()


@dataclass
class DetectionContext:
    """Read-only view detectors may consult: the pool, chain id, settings and shared state.

    ``simulator`` is given at the chain head (a node is there to ask); replays have none.
    """

    chain_id: int
    pool: Any = None  # asyncpg.Pool when running against a database; None in pure tests
    settings: DetectionSettings = field(default_factory=_default_settings)
    state: dict[str, Any] = field(default_factory=dict)
    simulator: PendingSimulator | None = None


class Detector:
    """A named, versioned detector; override the hooks your triggers ask for.

    ``name`` is the detector's one name: the registry key, the ``[detect.<name>]`` table,
    the ``detect.disabled`` entry and the ``detector`` of its findings.
    """

    name: ClassVar[str]
    version: ClassVar[str] = "1"
    triggers: ClassVar[Triggers] = Triggers()
    settings_model: ClassVar[type[DetectorSettings]] = DetectorSettings

    @classmethod
    def from_settings(cls, settings: DetectionSettings) -> Self:
        """An instance configured by its ``[detect.<name>]`` table (none: no arguments)."""
        if cls.settings_model is DetectorSettings:
            return cls()
        return cls(settings.detect.of(cls.name))  # type: ignore[call-arg]

    async def on_block(self, block: BlockBundle, ctx: DetectionContext) -> list[Finding]:
        """Findings about one mined block (may consult earlier blocks via ``ctx``)."""
        return []

    async def on_pending(self, tx: PendingTxRecord, ctx: DetectionContext) -> list[Finding]:
        """Findings about one pending transaction, before any block includes it."""
        return []


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
