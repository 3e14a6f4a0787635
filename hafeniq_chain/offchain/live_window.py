"""The platform window in memory: recent withdrawals of one tenant, counted incrementally.

Why: at hundreds of requests per second a 10-minute window holds hundreds of thousands of
rows; summarising it in SQL for every request made scoring O(window). Here the window that
ends at the newest request is kept as running counts (O(1) per request). A request older
than the newest one (replays, clock skew) is summarised from the retained entries instead
(O(window), exact); older than what is retained, the caller falls back to the database.
"""

from __future__ import annotations

import bisect
from collections import Counter
from datetime import datetime, timedelta
from decimal import Decimal
from typing import NamedTuple

from hafeniq_chain.offchain.history import PastWithdrawal, WindowSummary

MAX_ENTRIES = 500_000
SKEW = timedelta(seconds=5)


class WindowEntry(NamedTuple):
    """One withdrawal request; ``new`` = first use of the destination by the account.

    A named tuple (a window holds hundreds of thousands: no per-instance dict); entries
    sort by time first, and are searched by time (``_at``).
    """

    at: datetime
    account_id: str
    destination: str
    new: bool


def _at(entry: WindowEntry) -> datetime:
    return entry.at


def summarise(entries: list[WindowEntry]) -> WindowSummary:
    """First send per (account, destination) in time order, plus total and new counts."""
    first: dict[tuple[str, str], PastWithdrawal] = {}
    new = 0
    for e in entries:
        new += e.new
        key = (e.account_id, e.destination)
        if key not in first:
            first[key] = PastWithdrawal(e.account_id, e.destination, Decimal(0), e.at, e.new)
        elif e.new and not first[key].new_destination:
            first[key] = PastWithdrawal(e.account_id, e.destination, Decimal(0),
                                        first[key].occurred_at, True)
    return WindowSummary(list(first.values()), len(entries), new)


class TenantWindow:
    """Entries of the last two window widths; running counts for the newest window."""

    def __init__(self, width: timedelta) -> None:
        self.width = width
        self.entries: list[WindowEntry] = []
        self.newest: datetime | None = None
        self._lo = 0  # index of the first entry inside (newest - width, newest]
        self.accounts: Counter[str] = Counter()
        self.senders: dict[str, Counter[str]] = {}
        self.total = 0
        self.new = 0
        self.complete_from: datetime | None = None  # entries before this may be missing
        # Convergence candidates: destinations sent to by two accounts or more in the
        # running window, less the settled ones (first used before the running window, so
        # never fresh again); since when each destination has had entries in the running
        # window; the earliest use (database or memory) of the destinations looked up.
        self.unsettled: set[str] = set()
        self.settled: set[str] = set()
        self.present_since: dict[str, datetime] = {}
        self.first_use: dict[str, datetime] = {}

    def add(self, entry: WindowEntry) -> None:
        """Insert in time order; advance the running window when ``entry`` is the newest."""
        known = self.first_use.get(entry.destination)
        if known is not None and entry.at < known:
            self.first_use[entry.destination] = entry.at
        if self.newest is None or entry.at >= self.newest:
            self.entries.append(entry)
            self.newest = entry.at
            self._count(entry, +1)
            self._advance()
            return
        self.entries.insert(bisect.bisect_right(self.entries, entry.at, key=_at), entry)
        if entry.at > self.newest - self.width:
            self._count(entry, +1)
        else:  # older than the running window: it sorts before all of it
            self._lo += 1

    def remove(self, entry: WindowEntry) -> None:
        """Undo ``add`` for a request found to be stored already (a retry); no-op when the
        entry is no longer retained. ``first_use`` and ``present_since`` keep what it
        taught them: they only bound a destination's first use from above."""
        lo = bisect.bisect_left(self.entries, entry.at, key=_at)
        hi = bisect.bisect_right(self.entries, entry.at, key=_at)
        try:
            index = self.entries.index(entry, lo, hi)
        except ValueError:
            return
        del self.entries[index]
        if index >= self._lo:
            self._count(entry, -1)
        else:
            self._lo -= 1

    def _count(self, e: WindowEntry, sign: int) -> None:
        self.accounts[e.account_id] += sign
        if not self.accounts[e.account_id]:
            del self.accounts[e.account_id]
        senders = self.senders.setdefault(e.destination, Counter())
        senders[e.account_id] += sign
        if sign > 0:
            since = self.present_since.get(e.destination)
            self.present_since[e.destination] = e.at if since is None else min(since, e.at)
        if not senders[e.account_id]:
            del senders[e.account_id]
            if not senders:
                del self.senders[e.destination]
                del self.present_since[e.destination]
        if len(senders) >= 2 and e.destination not in self.settled:
            self.unsettled.add(e.destination)
        elif len(senders) < 2:
            self.unsettled.discard(e.destination)
        self.total += sign
        self.new += sign * e.new

    def _advance(self) -> None:
        assert self.newest is not None
        start = self.newest - self.width
        while self._lo < len(self.entries) and self.entries[self._lo].at <= start:
            self._count(self.entries[self._lo], -1)
            self._lo += 1
        keep_from = start - self.width
        drop = bisect.bisect_right(self.entries, keep_from, key=_at)
        drop = max(drop, len(self.entries) - MAX_ENTRIES)
        if drop > 1024 or drop > len(self.entries) // 2:
            del self.entries[:drop]
            self._lo -= drop
            self.complete_from = self.entries[0].at if self.entries else self.newest

    def is_current(self, at: datetime) -> bool:
        """May the running window stand for the one ending at ``at``?

        Concurrent requests arrive a little out of order; a request up to ``SKEW`` older
        than the newest is judged on the newest window (a few seconds of difference in a
        10-minute window), instead of re-summarising the whole window for it.
        """
        return self.newest is not None and at >= self.newest - SKEW

    def covers(self, start: datetime) -> bool:
        """Are all entries after ``start`` retained (so a slice is exact)?"""
        return self.complete_from is None or start >= self.complete_from

    def settle(self, destination: str) -> None:
        """``destination`` was used before the running window: no longer a candidate."""
        if len(self.settled) > MAX_ENTRIES:
            self.settled.clear()
        self.settled.add(destination)
        self.unsettled.discard(destination)

    def learn_first_use(self, stored: dict[str, datetime | None]) -> None:
        """Earliest stored use per destination looked up (None: never stored), merged with
        memory: requests recorded but not committed yet, or recorded during the lookup."""
        if len(self.first_use) > MAX_ENTRIES:
            self.first_use.clear()
        for destination, at in stored.items():
            known = [t for t in (at, self.present_since.get(destination)) if t is not None]
            if known:
                self.first_use[destination] = min(known)

    def current_entries(self) -> list[WindowEntry]:
        return self.entries[self._lo:]

    def slice(self, start: datetime, end: datetime) -> list[WindowEntry]:
        """Entries in (start, end]."""
        lo = bisect.bisect_right(self.entries, start, key=_at)
        hi = bisect.bisect_right(self.entries, end, key=_at)
        return self.entries[lo:hi]
