"""Judging a candidate voting ring: graded evidence, not a yes/no graph match.

Why: linked voters who vote alike are common. Long-established holders funded months ago
by one exchange vote together on every popular proposal; a Sybil ring is wallets created
and funded last week, one or two hops from one wallet that funds little else, with no
history of their own, making up most of a thin vote. Each of those facts is a feature in
[0, 1]; the score is their weighted mean, scaled down by how much of the proposal's vote
came from outside the ring (a popular proposal is not a ring) and by how hub-like the
funder is. Pure functions over plain data, so the rule is tested and evaluated without a
database; the detector only gathers the facts.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping
from dataclasses import dataclass

from pydantic import Field

from hafeniq_chain.core.finding import FeatureDelta, Severity
from hafeniq_chain.detect.base import DetectorSettings
from hafeniq_chain.detect.governance.ring_graph import Ring

DAY = 86_400


class RingWeights(DetectorSettings):
    """How a candidate ring is scored (``[detect.voting_ring.weights]``)."""

    fresh_s: int = Field(default=7 * DAY, ge=60)          # member first seen this recently
    funding_recent_s: int = Field(default=7 * DAY, ge=60)  # funded this recently before voting
    max_prior_txs: int = Field(default=3, ge=0)           # "no history of its own"
    fresh: float = Field(default=0.25, ge=0, le=1)
    recent_funding: float = Field(default=0.30, ge=0, le=1)
    newcomer: float = Field(default=0.20, ge=0, le=1)
    direct: float = Field(default=0.10, ge=0, le=1)
    exclusive: float = Field(default=0.15, ge=0, le=1)
    crowd_damping: float = Field(default=0.5, ge=0, le=1)  # score x (1 - d * outside share)
    hub_damping: float = Field(default=0.6, ge=0, le=1)    # score x (1 - d * (1 - exclusive))
    min_score: float = Field(default=0.5, ge=0, le=1)      # below: no finding at all
    high_score: float = Field(default=0.65, ge=0, le=1)
    critical_score: float = Field(default=0.8, ge=0, le=1)  # with at least 5 members

    def severity(self, score: float, members: int) -> Severity:
        """Medium from ``min_score``, high from ``high_score``, critical from both
        ``critical_score`` and five members."""
        if score >= self.critical_score and members >= 5:
            return Severity.CRITICAL
        return Severity.HIGH if score >= self.high_score else Severity.MEDIUM


@dataclass(frozen=True)
class MemberFacts:
    """What the store knows of one member, in seconds before the ring's last vote.

    ``prior_txs``: transactions the member sent before the voting window (votes excluded).
    """

    age_s: float | None
    funded_age_s: float | None
    prior_txs: int


@dataclass(frozen=True)
class RingEvidence:
    """A candidate ring plus the facts that tell a Sybil ring from a popular vote."""

    ring: Ring
    members: Mapping[str, MemberFacts]
    funder_fanout: int        # distinct addresses the funder ever paid
    proposal_voters: int      # distinct voters on the proposal so far (any support)


@dataclass(frozen=True)
class RingVerdict:
    score: float
    features: dict[str, float]
    deltas: tuple[FeatureDelta, ...]


def _share(values: list[bool]) -> float:
    return sum(values) / len(values) if values else 0.0


def judge_ring(ev: RingEvidence, w: RingWeights) -> RingVerdict:
    """Score in [0, 1] with the feature deltas that decided it."""
    facts = [ev.members.get(m, MemberFacts(None, None, 0)) for m in ev.ring.members]
    n = len(ev.ring.members)
    fresh = _share([f.age_s is None or f.age_s <= w.fresh_s for f in facts])
    recent = _share([f.funded_age_s is not None and f.funded_age_s <= w.funding_recent_s
                     for f in facts])
    newcomer = _share([f.prior_txs <= w.max_prior_txs for f in facts])
    hops = statistics.median(len(p) - 1 for p in ev.ring.paths.values())
    direct = 1.0 if hops <= 1 else 0.7 if hops <= 2 else 0.4
    exclusive = min(1.0, n / max(1, ev.funder_fanout))
    ring_share = min(1.0, n / max(n, ev.proposal_voters))
    evidence = (w.fresh * fresh + w.recent_funding * recent + w.newcomer * newcomer
                + w.direct * direct + w.exclusive * exclusive) / max(
        1e-9, w.fresh + w.recent_funding + w.newcomer + w.direct + w.exclusive)
    score = evidence * (1 - w.crowd_damping * (1 - ring_share)) \
        * (1 - w.hub_damping * (1 - exclusive))
    features = {"fresh_member_share": fresh, "recently_funded_share": recent,
                "newcomer_share": newcomer, "funding_hops_median": float(hops),
                "funder_exclusivity": exclusive, "ring_share_of_voters": ring_share,
                "evidence": evidence}
    ages = [f.funded_age_s for f in facts if f.funded_age_s is not None]
    funded_days = statistics.median(ages) / DAY if ages else None
    deltas = (
        FeatureDelta("fresh_member_share", None, fresh,
                     f"{fresh:.0%} of members first seen within {w.fresh_s // DAY} day(s)"),
        FeatureDelta("recently_funded_share", None, recent,
                     f"{recent:.0%} funded within {w.funding_recent_s // DAY} day(s) of voting"
                     + (f" (median {funded_days:.1f} days)" if funded_days is not None else "")),
        FeatureDelta("newcomer_share", None, newcomer,
                     f"{newcomer:.0%} had at most {w.max_prior_txs} earlier transaction(s)"),
        FeatureDelta("funding_hops_median", None, float(hops),
                     f"median {hops:g} hop(s) from the funder"),
        FeatureDelta("funder_exclusivity", None, exclusive,
                     f"ring = {exclusive:.0%} of the {ev.funder_fanout} address(es) the "
                     "funder paid (1 = funds only the ring; low = a hub)"),
        FeatureDelta("ring_share_of_voters", None, ring_share,
                     f"ring = {ring_share:.0%} of the {ev.proposal_voters} voter(s) on the "
                     "proposal (low = a popular vote)"),
    )
    return RingVerdict(min(1.0, score), features, deltas)
