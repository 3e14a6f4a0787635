"""The detector registry: adding a detector = one module + its class here (+ its table in
``settings.DetectSettings``); the name is the class's own ``name``."""

from __future__ import annotations

from collections.abc import Sequence

from hafeniq_chain.detect.base import Detector
from hafeniq_chain.detect.bridge.bridge_drain import BridgeDrainDetector
from hafeniq_chain.detect.bridge.copycat_wave import CopycatWaveDetector
from hafeniq_chain.detect.bridge.fund_tracing import FundTracingDetector
from hafeniq_chain.detect.drift.drift import DriftDetector
from hafeniq_chain.detect.governance.flash_loan_vote import FlashLoanVoteDetector
from hafeniq_chain.detect.governance.governance_signals import GovernanceSignalsDetector
from hafeniq_chain.detect.governance.privileged_proposal import PrivilegedProposalDetector
from hafeniq_chain.detect.governance.voting_ring import VotingRingDetector
from hafeniq_chain.detect.liquidity.liquidity_rug import LiquidityRugDetector
from hafeniq_chain.detect.mev.arbitrage import ArbitrageDetector
from hafeniq_chain.detect.mev.jit import JitDetector
from hafeniq_chain.detect.mev.mev_cluster import MevClusterDetector
from hafeniq_chain.detect.mev.sandwich import SandwichDetector
from hafeniq_chain.detect.mev.sandwich_cross_block import CrossBlockSandwichDetector
from hafeniq_chain.detect.mev.sandwich_setup import SandwichSetupDetector
from hafeniq_chain.detect.rules.detector import UserRulesDetector
from hafeniq_chain.detect.settings import DetectionSettings
from hafeniq_chain.detect.wallet.hot_wallet_forecast import HotWalletForecastDetector

DETECTORS: tuple[type[Detector], ...] = (
    SandwichDetector, ArbitrageDetector, DriftDetector, JitDetector, SandwichSetupDetector,
    MevClusterDetector, CrossBlockSandwichDetector,
    # NOTE: order matters within a block: fund_tracing follows the leads that bridge_drain
    # publishes, and copycat_wave joins the incident bridge_drain opened.
    BridgeDrainDetector, CopycatWaveDetector, FundTracingDetector,
    LiquidityRugDetector, FlashLoanVoteDetector, VotingRingDetector,
    GovernanceSignalsDetector, PrivilegedProposalDetector, HotWalletForecastDetector,
    UserRulesDetector,
)
DETECTOR_FACTORIES: dict[str, type[Detector]] = {cls.name: cls for cls in DETECTORS}


# NOTE: on by name only (``detect.experimental``) until their false-positive rate on the
# benign world is under target (measured with `hafeniq-chain eval`). Empty today.
EXPERIMENTAL: frozenset[str] = frozenset()


def build_detectors(settings: DetectionSettings | None = None,
                    disabled: Sequence[str] = (), experimental: Sequence[str] = ()
                    ) -> list[Detector]:
    """One configured instance of every registered detector not switched off.

    ``disabled``/``experimental`` add to the lists in ``settings.detect``.
    """
    settings = settings or DetectionSettings()
    off = {*settings.detect.disabled, *disabled}
    opted = {*settings.detect.experimental, *experimental}
    unknown = (off | opted) - set(DETECTOR_FACTORIES)
    if unknown:
        raise ValueError(f"unknown detector(s) in detect.disabled/experimental: "
                         f"{sorted(unknown)}; known: {sorted(DETECTOR_FACTORIES)}")
    return [cls.from_settings(settings) for name, cls in DETECTOR_FACTORIES.items()
            if name not in off and (name not in EXPERIMENTAL or name in opted)]
