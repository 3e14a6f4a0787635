"""Takeover signals on plain data: novelty needs an established normal, families are
counted once, a long-whitelisted address counts half as new."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hafeniq_chain.core.finding import FeatureDelta
from hafeniq_chain.core.reasons import ReasonCode
from hafeniq_chain.offchain.account_profile import AccountProfile
from hafeniq_chain.offchain.takeover import (
    age_adjusted,
    anomaly_floor,
    takeover_contributions,
)
from hafeniq_chain.offchain.types import Contribution, ScoredWithdrawal

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
DAY = timedelta(days=1)


def _req(**context: object) -> ScoredWithdrawal:
    return ScoredWithdrawal("t", "r", "acct", "0xdd", "USDT", Decimal(100), NOW, dict(context))


def _profile() -> AccountProfile:
    profile = AccountProfile()
    for attribute, value in (("user_agent_hash", "ua"), ("ip", "1.1.1.1"), ("asn", "3320"),
                             ("country", "DE")):
        profile.learn(attribute, value, NOW - 30 * DAY)
    return profile


def _codes(parts: list[Contribution]) -> set[str]:
    return {str(c.code) for c in parts}


def test_novelty_is_judged_against_established_values_only() -> None:
    profile = _profile()
    assert takeover_contributions(_req(user_agent_hash="ua", ip="1.1.1.1", asn=3320,
                                       country="DE"), profile, DAY) == []
    # an attacker's login ten minutes ago does not make its device the account's own
    profile.learn("user_agent_hash", "evil", NOW - timedelta(minutes=10))
    profile.learn("asn", "64999", NOW - timedelta(minutes=10))
    parts = takeover_contributions(_req(user_agent_hash="evil", ip="9.9.9.9", asn=64999,
                                        country="BR"), profile, DAY)
    assert _codes(parts) == {"NEW_DEVICE", "NEW_NETWORK", "NEW_COUNTRY"}
    # a new address on the account's own provider is not a new network
    assert takeover_contributions(_req(ip="1.1.1.2", asn=3320), profile, DAY) == []
    # nothing established yet: nothing judged
    assert takeover_contributions(_req(user_agent_hash="x"), AccountProfile(), DAY) == []


def test_just_added_and_long_added_destinations() -> None:
    profile = _profile()
    profile.added["0xdd"] = NOW - timedelta(minutes=3)
    assert "DESTINATION_JUST_ADDED" in _codes(takeover_contributions(_req(), profile, DAY))
    new = [Contribution(ReasonCode.NEW_DESTINATION, 150,
                        FeatureDelta("new_addr_rate", 0.1, 1.0, "first withdrawal"))]
    assert age_adjusted(new, _req(), profile)[0].points == 150
    profile.added["0xdd"] = NOW - 40 * DAY
    adjusted = age_adjusted(new, _req(), profile)[0]
    assert adjusted.points == 75 and "40 days" in adjusted.delta.description


def test_families_not_signals_lift_to_hold() -> None:
    def part(code: ReasonCode, points: int) -> Contribution:
        return Contribution(code, points, FeatureDelta("f", 0, 1, "d"))

    two_families = [part(ReasonCode.NEW_NETWORK, 120), part(ReasonCode.NEW_COUNTRY, 100),
                    part(ReasonCode.IMPOSSIBLE_TRAVEL, 300)]  # network + place
    assert anomaly_floor(two_families, 400, 3) is None
    three = [*two_families, part(ReasonCode.NEW_DEVICE, 120)]
    floor = anomaly_floor(three, 400, 3)
    assert floor is not None and floor.points == 50  # already 640: the floor adds little
    low = [part(ReasonCode.NEW_DEVICE, 120), part(ReasonCode.UNUSUAL_HOUR, 80),
           part(ReasonCode.NEW_DESTINATION, 100)]
    floor = anomaly_floor(low, 400, 3)
    assert floor is not None and sum(c.points for c in [*low, floor]) == 400
