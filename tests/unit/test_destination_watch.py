"""The destination memory: senders within the horizon, freshness, flags that decay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hafeniq_chain.offchain.destination_watch import TenantDestinations

T0 = datetime(2026, 5, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)


def test_senders_are_kept_for_the_horizon_only() -> None:
    memory = TenantDestinations(6 * HOUR, 7 * 86400)
    memory.record("a", "0xd", T0)
    memory.record("b", "0xd", T0 + 2 * HOUR)
    memory.record("a", "0xd", T0 + 3 * HOUR)  # a's first send stays T0
    assert memory.accounts_within("0xd", T0 + 3 * HOUR) == {"a": T0, "b": T0 + 2 * HOUR}
    memory.record("c", "0xe", T0 + 7 * HOUR)  # pushes the horizon past a's first send
    assert set(memory.accounts_within("0xd", T0 + 7 * HOUR)) == {"b"}
    memory.unrecord("c", "0xe", T0 + 7 * HOUR)
    assert memory.accounts_within("0xe", T0 + 7 * HOUR) == {}


def test_freshness_needs_a_lookup_and_follows_first_use() -> None:
    memory = TenantDestinations(6 * HOUR, 7 * 86400)
    memory.record("a", "0xd", T0)
    assert memory.is_fresh("0xd", T0) is None
    memory.first_use["0xd"] = T0 - 30 * 24 * HOUR  # an exchange address used for months
    assert memory.is_fresh("0xd", T0) is False
    memory.first_use["0xn"] = None
    assert memory.is_fresh("0xn", T0) is True


def test_flags_decay_by_half_life_and_keep_their_incident() -> None:
    memory = TenantDestinations(6 * HOUR, 86400)
    memory.flag("0xd", T0, 7, {"a", "b"})
    memory.flag("0xd", T0 + HOUR, 9, {"c"})
    hit = memory.flag_hit("0xd", T0 + 24 * HOUR)
    assert hit is not None and abs(hit.weight - 0.5) < 1e-9
    assert hit.flag.incident_id == 7 and hit.flag.accounts == {"a", "b", "c"}
    assert memory.flag_hit("0xd", T0 + 49 * HOUR) is None  # below a quarter
    assert memory.flag_hit("0xother", T0) is None
