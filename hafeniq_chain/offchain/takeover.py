"""Takeover signals on one account: device, network and place novelty against the
account's own profile, a destination added minutes ago, and the rule that several
independent anomalies hold a request without any cross-account evidence.

Each signal stays below HOLD on its own (a new phone, a café's network, an address added
before its first use are ordinary); the anomalies are grouped in independent families
(device, network, place, hour, amount, destination, rate, key) and
``anomalies_to_hold`` families together lift the score to HOLD.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from hafeniq_chain.core.finding import FeatureDelta
from hafeniq_chain.core.reasons import ReasonCode
from hafeniq_chain.offchain.account_profile import AccountProfile
from hafeniq_chain.offchain.types import Contribution, ScoredWithdrawal

JUST_ADDED = timedelta(hours=1)
LONG_ADDED = timedelta(days=7)
FAMILIES: dict[ReasonCode, str] = {
    ReasonCode.NEW_DEVICE: "device", ReasonCode.FINGERPRINT_DRIFT: "device",
    ReasonCode.NEW_NETWORK: "network", ReasonCode.NEW_COUNTRY: "place",
    ReasonCode.IMPOSSIBLE_TRAVEL: "place", ReasonCode.UNUSUAL_HOUR: "hour",
    ReasonCode.AMOUNT_ABOVE_FORECAST: "amount", ReasonCode.NEW_DESTINATION: "destination",
    ReasonCode.DESTINATION_JUST_ADDED: "destination", ReasonCode.FREQUENCY_SPIKE: "rate",
    ReasonCode.VELOCITY_EXCEEDED: "rate", ReasonCode.SCRIPTED_TIMING: "rate",
    ReasonCode.KEY_NEW_ACCOUNT: "key", ReasonCode.KEY_NEW_NETWORK: "key",
    ReasonCode.IMPOSSIBLE_ROUTE_TRANSITION: "session", ReasonCode.ACTION_RATE_SPIKE: "session",
}


def _novel(values: dict[str, datetime], value: object, established: datetime
           ) -> bool | None:
    """Is ``value`` new to the account? None: nothing to judge by (no value sent, or
    the account has no established value of this kind)."""
    if value is None or not any(t <= established for t in values.values()):
        return None
    first = values.get(str(value))
    return first is None or first > established


def takeover_contributions(req: ScoredWithdrawal, profile: AccountProfile,
                           established_after: timedelta) -> list[Contribution]:
    """Device, network, country novelty and a just-added destination."""
    ctx = req.context
    established = req.occurred_at - established_after
    out: list[Contribution] = []
    seen = profile.seen
    if _novel(seen["user_agent_hash"], ctx.get("user_agent_hash"), established):
        out.append(Contribution(ReasonCode.NEW_DEVICE, 120, FeatureDelta(
            "known_user_agents", len(seen["user_agent_hash"]), 0,
            "user agent never used by this account before")))
    ip_new = _novel(seen["ip"], ctx.get("ip"), established)
    asn_new = _novel(seen["asn"], ctx.get("asn"), established)
    if (ip_new or asn_new) and asn_new is not False:
        out.append(Contribution(ReasonCode.NEW_NETWORK, 120, FeatureDelta(
            "known_networks", len(seen["asn"]) or len(seen["ip"]), 0,
            f"network never used by this account (ASN {ctx.get('asn', '?')})")))
    if _novel(seen["country"], ctx.get("country"), established):
        out.append(Contribution(ReasonCode.NEW_COUNTRY, 100, FeatureDelta(
            "known_countries", len(seen["country"]), 0,
            f"country {ctx['country']} never seen for this account")))
    added = profile.added.get(req.destination)
    if added is not None and req.occurred_at - JUST_ADDED <= added <= req.occurred_at:
        minutes = (req.occurred_at - added).total_seconds() / 60
        out.append(Contribution(ReasonCode.DESTINATION_JUST_ADDED, 80, FeatureDelta(
            "minutes_since_added", 60.0, round(minutes, 1),
            f"destination added {minutes:.0f} min before this withdrawal")))
    return out


def anomaly_floor(parts: list[Contribution], hold_at: int, needed: int
                  ) -> Contribution | None:
    """``needed`` independent anomaly families or more: the points that make the score
    reach HOLD, with the families named."""
    families = sorted({FAMILIES[c.code] for c in parts if c.code in FAMILIES and c.points > 0})
    if len(families) < needed:
        return None
    total = sum(c.points for c in parts)
    return Contribution(ReasonCode.MULTIPLE_ANOMALIES, max(50, hold_at - total), FeatureDelta(
        "independent_anomalies", needed - 1, len(families),
        f"{len(families)} independent anomalies: {', '.join(families)}"))


def age_adjusted(parts: list[Contribution], req: ScoredWithdrawal, profile: AccountProfile
                 ) -> list[Contribution]:
    """A destination the account added a week or more before its first use counts half
    as new: the owner whitelisted it long before, an attacker rarely waits that long."""
    added = profile.added.get(req.destination)
    if added is None or req.occurred_at - added < LONG_ADDED:
        return parts
    days = (req.occurred_at - added).total_seconds() / 86400
    return [Contribution(c.code, c.points // 2, FeatureDelta(
        c.delta.feature, c.delta.baseline, c.delta.observed,
        f"{c.delta.description}; added {days:.0f} days before"))
            if c.code is ReasonCode.NEW_DESTINATION else c for c in parts]
