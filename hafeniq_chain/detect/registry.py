"""The detector registry: adding a detector = one module + one line here."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from hafeniq_chain.detect.arbitrage import ArbitrageDetector
from hafeniq_chain.detect.base import Detector
from hafeniq_chain.detect.bridging import CopycatWaveDetector
from hafeniq_chain.detect.drift import DriftDetector
from hafeniq_chain.detect.jit import JitDetector
from hafeniq_chain.detect.mev_cluster import MevClusterDetector
from hafeniq_chain.detect.sandwich import SandwichDetector
from hafeniq_chain.detect.sandwich_setup import SandwichSetupDetector

DETECTOR_FACTORIES: dict[str, Callable[[], Detector]] = {
    "sandwich": SandwichDetector,
    "arbitrage": ArbitrageDetector,
    "drift": DriftDetector,
    "jit": JitDetector,
    "sandwich_setup": SandwichSetupDetector,
    "mev_cluster": MevClusterDetector,
    "copycat_wave": CopycatWaveDetector,
}


# NOTE: on by name only (``detect.experimental``) until their false-positive rate on the
# benign world is under target: measured with `hafeniq-chain eval`, copycat_wave flagged
# most benign transactions of busy contracts. (sandwich_setup left this list once it
# required a paired back-run or a sandwich history instead of any higher tip.)
EXPERIMENTAL = frozenset({"copycat_wave"})


def build_detectors(disabled: Sequence[str] = (), experimental: Sequence[str] = ()
                    ) -> list[Detector]:
    """One instance of every registered detector not switched off in the config."""
    unknown = (set(disabled) | set(experimental)) - set(DETECTOR_FACTORIES)
    if unknown:
        raise ValueError(f"unknown detector(s) in detect.disabled: {sorted(unknown)}; "
                         f"known: {sorted(DETECTOR_FACTORIES)}")
    return [make() for name, make in DETECTOR_FACTORIES.items()
            if name not in disabled and (name not in EXPERIMENTAL or name in experimental)]
