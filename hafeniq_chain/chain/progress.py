"""Is the follower making progress? What ``/readyz`` and ``head_lag`` are computed from.

``/readyz`` used to answer ready while the follower failed in a loop (``fetch_traces`` on a
node without ``trace_block``: 0 blocks stored in 100 s), and ``head_lag`` stayed 0 during
outages and while the node's head was below the stored cursor. The follower now reports
what it sees at three points (node head read, cursor read, each catch-up's outcome) and
this tracker judges:

* **stalled**: there is work (node head minus confirmations above the cursor) and the
  cursor has not advanced for ``stall_after_s``;
* **failing**: the follower's last ``failing_after`` catch-ups all raised (the error is
  shown);
* **node behind**: the node's head is below the stored cursor (a node resynced, reset or
  replaced by one that is behind): logged once per episode as ``chain.node_behind_cursor``,
  and ``hafeniq_head_lag_blocks`` goes negative instead of claiming 0.

``head_lag`` = node head - cursor, updated whenever either is seen, so it keeps growing
while the database is down and the head moves. ``hafeniq_node_head_age_seconds`` (seconds
since the node's head was last read) grows while the node is down.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from hafeniq_chain.log import get_logger
from hafeniq_chain.metrics import HEAD_LAG_BLOCKS, NODE_HEAD_AGE_SECONDS

log = get_logger(__name__)


@dataclass
class ProgressTracker:
    """Fed by the follower (``saw_head``, ``saw_cursor``, ``catch_up_ok``/``_failed``)."""

    confirmations: int = 0
    stall_after_s: float = 30.0
    failing_after: int = 3
    head: int | None = None
    cursor: int | None = None
    failures: int = 0
    last_error: str | None = None
    _head_at: float | None = None
    _cursor_moved_at: float = field(default_factory=time.monotonic)
    _work_since: float | None = None
    _behind: bool = False

    def __post_init__(self) -> None:
        NODE_HEAD_AGE_SECONDS.set_function(self.head_age_s)

    def head_age_s(self) -> float:
        """Seconds since the node's head was last read (0 before the first read)."""
        return 0.0 if self._head_at is None else time.monotonic() - self._head_at

    def saw_head(self, head: int) -> None:
        self.head, self._head_at = head, time.monotonic()
        self._judge()

    def saw_cursor(self, cursor: int) -> None:
        if cursor != self.cursor:
            self.cursor, self._cursor_moved_at = cursor, time.monotonic()
            self._work_since = None
        self._judge()

    def catch_up_ok(self) -> None:
        self.failures, self.last_error = 0, None

    def catch_up_failed(self, exc: BaseException) -> None:
        self.failures += 1
        self.last_error = f"{type(exc).__name__}: {exc}"[:200]

    def _judge(self) -> None:
        if self.head is None or self.cursor is None:
            return
        HEAD_LAG_BLOCKS.set(self.head - self.cursor)
        behind = self.head < self.cursor
        if behind and not self._behind:
            log.warning("chain.node_behind_cursor", head=self.head, cursor=self.cursor,
                        hint="the node lost blocks we stored (resync, reset or another "
                             "node); waiting for it to pass the cursor")
        elif self._behind and not behind:
            log.info("chain.node_caught_up", head=self.head, cursor=self.cursor)
        self._behind = behind
        has_work = self.head - self.confirmations > self.cursor
        if has_work and self._work_since is None:
            self._work_since = time.monotonic()
        elif not has_work:
            self._work_since = None

    def problem(self) -> str | None:
        """Why the follower is not making progress, or None when it is."""
        if self.failures >= self.failing_after:
            return f"failing: {self.failures} catch-ups in a row, last {self.last_error}"
        if self._behind:
            return f"node head {self.head} is behind the stored cursor {self.cursor}"
        if self._work_since is not None:
            waited = time.monotonic() - max(self._work_since, self._cursor_moved_at)
            if waited > self.stall_after_s:
                return (f"stalled: cursor {self.cursor} has not advanced for {waited:.0f} s "
                        f"while the node is at {self.head}")
        return None

    def status(self) -> str:
        """``ok (cursor N, head M)`` or the problem, for ``/readyz``."""
        problem = self.problem()
        return problem if problem else f"ok (cursor {self.cursor}, head {self.head})"
