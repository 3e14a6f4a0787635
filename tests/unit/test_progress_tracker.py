"""What /readyz calls progress, on plain observations (the daemon-level test is
tests/integration/test_readiness_progress.py)."""

from __future__ import annotations

from hafeniq_chain.chain.progress import ProgressTracker
from hafeniq_chain.metrics import HEAD_LAG_BLOCKS


def test_following_is_ok_and_lag_is_signed() -> None:
    p = ProgressTracker(stall_after_s=0.0)
    p.saw_head(10)
    p.saw_cursor(10)
    assert p.problem() is None and HEAD_LAG_BLOCKS._value.get() == 0
    p.saw_head(12)  # work appears; stalled only once it waited longer than stall_after_s
    assert p.problem() is not None and "stalled: cursor 10" in p.status()
    p.saw_cursor(12)
    assert p.problem() is None
    p.saw_head(5)
    assert p.status() == "node head 5 is behind the stored cursor 12"
    assert HEAD_LAG_BLOCKS._value.get() == -7


def test_lag_grows_from_the_head_side_while_the_cursor_cannot_be_read() -> None:
    p = ProgressTracker()
    p.saw_head(100)
    p.saw_cursor(90)
    p.saw_head(130)  # e.g. the database is down: only the head is seen
    assert HEAD_LAG_BLOCKS._value.get() == 40
    assert p.problem() is None  # not stalled yet (30 s default)


def test_failing_after_three_catch_ups_in_a_row_and_recovery() -> None:
    p = ProgressTracker()
    for _ in range(2):
        p.catch_up_failed(RuntimeError("trace_block: method not found"))
    assert p.problem() is None
    p.catch_up_failed(RuntimeError("trace_block: method not found"))
    assert p.status().startswith("failing: 3 catch-ups in a row, last RuntimeError: trace")
    p.catch_up_ok()
    assert p.problem() is None


def test_confirmations_are_not_work() -> None:
    p = ProgressTracker(confirmations=3, stall_after_s=0.0)
    p.saw_cursor(7)
    p.saw_head(10)
    assert p.problem() is None
