"""The running window's convergence candidates and first uses (no database needed)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hafeniq_chain.offchain.live_window import TenantWindow, WindowEntry

T0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
WIDTH = timedelta(minutes=10)


def _add(window: TenantWindow, seconds: float, account: str, destination: str) -> None:
    window.add(WindowEntry(T0 + timedelta(seconds=seconds), account, destination, True))


def test_candidates_are_destinations_of_two_accounts_until_settled() -> None:
    window = TenantWindow(WIDTH)
    _add(window, 0, "a", "0xd1")
    _add(window, 1, "a", "0xd1")
    assert window.unsettled == set()
    _add(window, 2, "b", "0xd1")
    _add(window, 3, "c", "0xd2")
    assert window.unsettled == {"0xd1"}
    window.settle("0xd1")
    _add(window, 4, "d", "0xd1")
    assert window.unsettled == set()
    # both senders of 0xd3 leave the running window: no longer a candidate
    _add(window, 5, "a", "0xd3")
    _add(window, 6, "b", "0xd3")
    assert "0xd3" in window.unsettled
    _add(window, 6 + WIDTH.total_seconds() + 1, "z", "0xd9")
    assert window.unsettled == set() and "0xd3" not in window.present_since


def test_first_use_merges_the_database_with_memory_and_only_moves_earlier() -> None:
    window = TenantWindow(WIDTH)
    _add(window, 60, "a", "0xd1")
    _add(window, 90, "b", "0xd1")
    _add(window, 30, "c", "0xd2")  # out of order: the running window still counts it
    # never stored yet (requests not committed): memory says since when it is used
    window.learn_first_use({"0xd1": None, "0xd2": T0 + timedelta(seconds=45)})
    assert window.first_use == {"0xd1": T0 + timedelta(seconds=60),
                                "0xd2": T0 + timedelta(seconds=30)}
    # an older request recorded later moves the first use earlier, a newer one does not
    _add(window, 10, "d", "0xd1")
    _add(window, 120, "e", "0xd2")
    assert window.first_use["0xd1"] == T0 + timedelta(seconds=10)
    assert window.first_use["0xd2"] == T0 + timedelta(seconds=30)
