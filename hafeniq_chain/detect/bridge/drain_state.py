"""What ``bridge_drain`` keeps per (escrow, token) and the deltas it explains a finding with.

Why apart: the detector's judgement reads better without the bookkeeping types and the
wording of every feature delta; these are plain data and one pure function.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from hafeniq_chain.core.finding import FeatureDelta
from hafeniq_chain.core.stats import Ewma
from hafeniq_chain.detect.bridge.release_match import UNMATCHED, ReleaseMatch


@dataclass(frozen=True)
class Outflow:
    """Tokens leaving an escrow in one transaction."""

    tx_hash: str
    tx_index: int
    recipient: str
    amount: int
    share: float | None  # of the balance just before, when the balance is known
    match: ReleaseMatch = UNMATCHED


@dataclass
class Scope:
    """Learned normal of one (escrow, token), from unmatched outflows that raised nothing."""

    share: Ewma = field(default_factory=lambda: Ewma(alpha=0.05))
    log_amount: Ewma = field(default_factory=lambda: Ewma(alpha=0.05))
    rate: Ewma = field(default_factory=lambda: Ewma(alpha=0.05))
    recent: deque[tuple[int, str, int, float]] = field(default_factory=deque)


def high_water(ewma: Ewma, sigmas: float) -> float:
    return ewma.mean + sigmas * ewma.std


def drain_deltas(scope: Scope, flagged: list[Outflow], count: int, series: int,
                 window_share: float | None, share_limit: float, window_blocks: int
                 ) -> tuple[FeatureDelta, ...]:
    """Every figure the decision rests on, with the learned normal where there is one."""
    top_share = max((o.share for o in flagged if o.share is not None), default=None)
    deltas = []
    if top_share is not None:
        deltas.append(FeatureDelta("outflow_share_of_escrow", scope.share.mean, top_share,
                                   f"one outflow took {top_share:.1%} of the escrow's "
                                   f"balance (limit {share_limit:.1%})"))
    deltas += [
        FeatureDelta("outflow_txs_per_window", scope.rate.mean, float(count),
                     f"unmatched outflow txs within {window_blocks} blocks"),
        FeatureDelta("mid_size_unmatched_outflows", None, float(series),
                     f"unmatched outflows of a notable share within {window_blocks} blocks"),
        FeatureDelta("unmatched_share_of_flagged", None, 1.0,
                     "flagged outflows that no earlier deposit by their recipient backs "
                     "(matched releases are never flagged)"),
        FeatureDelta("recipient_prior_deposits", None,
                     float(max(o.match.prior_deposits for o in flagged)),
                     "deposits the flagged recipients made into watched bridges"),
    ]
    if window_share is not None:
        deltas.append(FeatureDelta("window_share_of_escrow", None, window_share,
                                   "share of the balance drained within the window"))
    if scope.log_amount.n:
        top = max(o.amount for o in flagged)
        deltas.append(FeatureDelta("outflow_amount", 10 ** scope.log_amount.mean, float(top),
                                   "largest flagged outflow vs the typical one"))
    return tuple(deltas)
