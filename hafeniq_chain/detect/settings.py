"""``[detect]``: which detectors run, and one typed table per detector.

Why typed tables: every threshold a detector uses is a validated setting with today's
value as its default, so ``config check`` rejects a typo or an out-of-range value, and
``run``, ``backfill``, ``replay`` and ``eval`` build their detectors from the same object.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from hafeniq_chain.core.settings import ForecastSettings, WatchSettings
from hafeniq_chain.detect.base import DetectorSettings
from hafeniq_chain.detect.bridge.bridge_drain import DrainSettings
from hafeniq_chain.detect.bridge.copycat_wave import CopycatSettings
from hafeniq_chain.detect.bridge.fund_tracing import TraceSettings
from hafeniq_chain.detect.drift.drift import DriftSettings
from hafeniq_chain.detect.governance.flash_loan_vote import FlashVoteSettings
from hafeniq_chain.detect.governance.governance_signals import GovernanceSignalsSettings
from hafeniq_chain.detect.governance.voting_ring import VotingRingSettings
from hafeniq_chain.detect.liquidity.liquidity_rug import RugSettings
from hafeniq_chain.detect.mev.mev_cluster import MevClusterSettings
from hafeniq_chain.detect.mev.sandwich import SandwichSettings
from hafeniq_chain.detect.mev.sandwich_cross_block import CrossBlockSettings
from hafeniq_chain.detect.mev.sandwich_setup import SandwichSetupSettings
from hafeniq_chain.detect.rules.model import RuleSpec, RulesSettings

_LEGACY_DRIFT_KEYS = ("warmup_blocks", "cusum_k", "cusum_h")


class DetectSettings(BaseModel):
    """The whole ``[detect]`` table (each field below is one ``[detect.<name>]``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    disabled: list[str] = Field(default_factory=list)
    experimental: list[str] = Field(default_factory=list)
    sandwich: SandwichSettings = Field(default_factory=SandwichSettings)
    arbitrage: DetectorSettings = Field(default_factory=DetectorSettings)
    drift: DriftSettings = Field(default_factory=DriftSettings)
    jit: DetectorSettings = Field(default_factory=DetectorSettings)
    sandwich_setup: SandwichSetupSettings = Field(default_factory=SandwichSetupSettings)
    mev_cluster: MevClusterSettings = Field(default_factory=MevClusterSettings)
    sandwich_cross_block: CrossBlockSettings = Field(default_factory=CrossBlockSettings)
    bridge_drain: DrainSettings = Field(default_factory=DrainSettings)
    copycat_wave: CopycatSettings = Field(default_factory=CopycatSettings)
    fund_tracing: TraceSettings = Field(default_factory=TraceSettings)
    liquidity_rug: RugSettings = Field(default_factory=RugSettings)
    flash_loan_vote: FlashVoteSettings = Field(default_factory=FlashVoteSettings)
    voting_ring: VotingRingSettings = Field(default_factory=VotingRingSettings)
    governance_signals: GovernanceSignalsSettings = Field(
        default_factory=GovernanceSignalsSettings)
    privileged_proposal: DetectorSettings = Field(default_factory=DetectorSettings)
    hot_wallet_forecast: DetectorSettings = Field(default_factory=DetectorSettings)
    user_rules: DetectorSettings = Field(default_factory=DetectorSettings)  # rules: [[rule]]

    @model_validator(mode="before")
    @classmethod
    def _legacy_drift_keys(cls, data: Any) -> Any:
        """``detect.warmup_blocks`` / ``cusum_k`` / ``cusum_h`` (before 0.2) mean drift's."""
        if isinstance(data, dict) and any(k in data for k in _LEGACY_DRIFT_KEYS):
            data = dict(data)
            drift = dict(data.get("drift") or {})
            for key in _LEGACY_DRIFT_KEYS:
                if key in data:
                    drift.setdefault(key, data.pop(key))
            data["drift"] = drift
        return data

    def of(self, name: str) -> DetectorSettings:
        """The table of detector ``name``."""
        table = getattr(self, name, None)
        if not isinstance(table, DetectorSettings):
            raise KeyError(f"no [detect.{name}] table")
        return table


class DetectionSettings(BaseModel):
    """What detectors are built from: ``[detect]``, the ``[[watch]]`` list, ``[forecast]``."""

    model_config = ConfigDict(frozen=True)

    detect: DetectSettings = Field(default_factory=DetectSettings)
    watch: tuple[WatchSettings, ...] = ()
    forecast: ForecastSettings = Field(default_factory=ForecastSettings)
    rules: tuple[RuleSpec, ...] = ()
    rules_config: RulesSettings = Field(default_factory=RulesSettings)
