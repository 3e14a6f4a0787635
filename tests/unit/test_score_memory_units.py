"""The scoring engine's in-memory helpers on plain data: single-flight reads, the window's
undo of a retried request, and reused account baselines."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from structlog.testing import capture_logs

from hafeniq_chain.offchain.baseline import build_baseline
from hafeniq_chain.offchain.baseline_cache import MIN_SAMPLES_TO_REUSE, BaselineCache
from hafeniq_chain.offchain.history import PastWithdrawal, before, since
from hafeniq_chain.offchain.live_window import TenantWindow, WindowEntry
from hafeniq_chain.offchain.single_flight import SingleFlight

T0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


async def test_concurrent_callers_share_one_read_and_its_error() -> None:
    flights, calls = SingleFlight(), []

    async def load() -> int:
        calls.append(1)
        await asyncio.sleep(0.01)
        return 7

    assert await asyncio.gather(*(flights.once("k", load) for _ in range(5))) == [7] * 5
    assert len(calls) == 1

    async def fail() -> int:
        await asyncio.sleep(0.01)
        raise RuntimeError("db down")

    results = await asyncio.gather(*(flights.once("k", fail) for _ in range(3)),
                                   return_exceptions=True)
    assert all(isinstance(r, RuntimeError) for r in results)
    assert await flights.once("k", load) == 7  # a failed read is not remembered


async def test_many_reads_only_the_keys_nobody_is_reading() -> None:
    flights, asked = SingleFlight(), []

    async def load(keys: list[str]) -> dict[str, str]:
        asked.append(sorted(keys))
        await asyncio.sleep(0.01)
        return {k: k.upper() for k in keys}

    first, second = await asyncio.gather(flights.many(["a", "b"], load),
                                         flights.many(["b", "c", "c"], load))
    assert first == {"a": "A", "b": "B"} and second == {"b": "B", "c": "C"}
    assert asked == [["a", "b"], ["c"]]


async def test_background_read_runs_once_and_logs_a_failure() -> None:
    flights, calls = SingleFlight(), []

    async def load() -> None:
        calls.append(1)
        await asyncio.sleep(0.01)
        raise RuntimeError("refresh failed")

    with capture_logs() as logs:
        flights.in_background("all", load)
        flights.in_background("all", load)  # already in flight: not started twice
        await asyncio.sleep(0.05)
    assert calls == [1]
    assert [e["event"] for e in logs] == ["offchain.background_read_failed"]


async def test_a_held_value_is_served_and_refreshed_in_the_background_when_stale() -> None:
    flights, calls = SingleFlight(), []

    async def load() -> str:
        calls.append(1)
        await asyncio.sleep(0.01)
        return "new"

    assert await flights.held_or_read("k", None, load) == "new"  # nothing held: waited for
    assert await flights.held_or_read("k", ("old", False), load) == "old"
    assert len(calls) == 1  # fresh: no read
    assert await flights.held_or_read("k", ("old", True), load) == "old"  # served at once
    await asyncio.sleep(0.03)
    assert len(calls) == 2  # ... while one background read replaced it


def _entry(seconds: float, account: str, destination: str = "0xd1") -> WindowEntry:
    return WindowEntry(T0 + timedelta(seconds=seconds), account, destination, True)


def test_removing_a_retried_request_restores_the_running_counts() -> None:
    window = TenantWindow(timedelta(minutes=10))
    for s, account in ((0, "a"), (5, "b"), (9, "c")):
        window.add(_entry(s, account))
    counts = (dict(window.accounts), window.total, window.new, set(window.unsettled))
    retry = _entry(7, "d")
    window.add(retry)  # out of order, inside the running window
    assert window.total == 4 and "d" in window.accounts
    window.remove(retry)
    assert (dict(window.accounts), window.total, window.new, set(window.unsettled)) == counts
    assert [e.account_id for e in window.entries] == ["a", "b", "c"]
    window.remove(_entry(7, "zz"))  # never added: nothing changes
    assert window.total == 3


def test_an_old_entry_outside_the_running_window_keeps_the_counts_right() -> None:
    window = TenantWindow(timedelta(minutes=10))
    window.add(_entry(0, "a"))
    window.add(_entry(700, "b"))  # a left the running window
    old = _entry(60, "c")  # older than the running window: retained, not counted
    window.add(old)
    assert window.total == 1 and dict(window.accounts) == {"b": 1}
    window.remove(old)
    window.add(_entry(1300, "z"))  # advancing must not count anything twice
    assert window.total == 1 and dict(window.accounts) == {"z": 1}


def _history(n: int, start: datetime = T0) -> list[PastWithdrawal]:
    return [PastWithdrawal("acct", f"0x{i % 3:040x}", Decimal(100 + i),
                           start + timedelta(hours=i)) for i in range(n)]


def test_history_slices_by_time() -> None:
    history = _history(10)
    assert before(history, T0 + timedelta(hours=3)) == history[:3]
    assert before(history, T0 + timedelta(days=9)) is history
    assert since(history, T0 + timedelta(hours=7)) == history[8:]


def test_a_baseline_is_reused_while_the_history_only_grows() -> None:
    cache = BaselineCache(window_days=90)
    history = _history(MIN_SAMPLES_TO_REUSE + 10)
    now = history[-1].occurred_at + timedelta(minutes=1)
    first = cache.get(("t", "acct"), history, now)
    grown = [*history, PastWithdrawal("acct", "0x" + "ee" * 20, Decimal(5),
                                      now + timedelta(seconds=5))]
    reused = cache.get(("t", "acct"), grown, now + timedelta(seconds=10))
    # statistics kept, but the new destination is known at once
    assert reused.samples == first.samples
    assert "0x" + "ee" * 20 in reused.known_destinations
    # a history changed other than by appending (an entry removed) is built again
    changed = grown[1:]
    rebuilt = cache.get(("t", "acct"), changed, now + timedelta(seconds=10))
    assert rebuilt == build_baseline(changed, now + timedelta(seconds=10), 90)


@pytest.mark.parametrize("size", [3, MIN_SAMPLES_TO_REUSE - 1])
def test_small_histories_are_always_built_afresh(size: int) -> None:
    cache = BaselineCache(window_days=90)
    history = _history(size)
    now = history[-1].occurred_at + timedelta(minutes=1)
    cache.get(("t", "acct"), history, now)
    grown = [*history, PastWithdrawal("acct", "0xabc", Decimal(1), now)]
    later = now + timedelta(seconds=1)
    assert cache.get(("t", "acct"), grown, later) == build_baseline(grown, later, 90)
