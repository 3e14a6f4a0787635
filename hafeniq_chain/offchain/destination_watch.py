"""Destinations watched for hours: slow convergence, and converged ones kept flagged.

Why: the platform window (``live_window``) is ten minutes wide, so eight accounts sending
to two fresh addresses over forty minutes never converged, and a destination the engine
had flagged was forgotten ten minutes later. Here, per tenant, each destination used
within ``convergence_horizon_s`` keeps the accounts that sent to it (first send each);
a destination first used on the platform inside the horizon (a stored-use lookup, once,
only when enough accounts reached it) and reached by ``slow_convergence_accounts``
accounts converges. A converged destination stays flagged with a weight that halves
every ``converged_half_life_s``: every later request to it, from any account, is held or
blocked and linked to the incident that flagged it.

Memory: one entry per (destination, account) pair inside the horizon, bounded; the
state is rebuilt from Postgres (requests in the horizon, incidents' convergences) when a
tenant is first scored, so Postgres stays the source of truth.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta

MAX_PAIRS = 1_000_000
MAX_SENDERS = 256
MIN_WEIGHT = 0.25


@dataclass
class Flag:
    """A destination that converged: when (event time), in which incident, who sent."""

    flagged_at: datetime
    incident_id: int | None
    accounts: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class FlagHit:
    """A request to a flagged destination."""

    flag: Flag
    weight: float
    age_s: float


class TenantDestinations:
    """One tenant's recent senders per destination, flags and looked-up first uses."""

    def __init__(self, horizon: timedelta, half_life_s: float) -> None:
        self.horizon = horizon
        self.half_life_s = half_life_s
        self.senders: dict[str, dict[str, datetime]] = {}
        self.flags: dict[str, Flag] = {}
        self.first_use: dict[str, datetime | None] = {}
        self._order: deque[tuple[datetime, str, str]] = deque()
        self.newest: datetime | None = None

    def record(self, account: str, destination: str, at: datetime) -> None:
        """A request (scored or stored) joins the horizon."""
        senders = self.senders.setdefault(destination, {})
        known = senders.get(account)
        if known is None and len(senders) < MAX_SENDERS:
            senders[account] = at
            self._order.append((at, destination, account))
        elif known is not None and at < known:
            senders[account] = at
        first = self.first_use.get(destination)
        if destination in self.first_use and (first is None or at < first):
            self.first_use[destination] = at
        if self.newest is None or at > self.newest:
            self.newest = at
            self._prune()

    def unrecord(self, account: str, destination: str, at: datetime) -> None:
        """Undo ``record`` for a refused request (its pair, if it was the one added)."""
        senders = self.senders.get(destination)
        if senders is not None and senders.get(account) == at:
            del senders[account]

    def _prune(self) -> None:
        assert self.newest is not None
        cutoff = self.newest - self.horizon
        while self._order and (self._order[0][0] <= cutoff or len(self._order) > MAX_PAIRS):
            at, destination, account = self._order.popleft()
            senders = self.senders.get(destination)
            if senders is not None and senders.get(account) == at:
                del senders[account]
                if not senders:
                    del self.senders[destination]
                    self.first_use.pop(destination, None)

    def accounts_within(self, destination: str, at: datetime) -> dict[str, datetime]:
        """Accounts that sent to ``destination`` in (at - horizon, at], first send each."""
        start = at - self.horizon
        return {a: t for a, t in self.senders.get(destination, {}).items() if start < t <= at}

    def is_fresh(self, destination: str, at: datetime) -> bool | None:
        """First used on the platform inside the horizon? None: not looked up yet."""
        if destination not in self.first_use:
            return None
        first = self.first_use[destination]
        return first is None or first > at - self.horizon

    def flag_hit(self, destination: str, at: datetime) -> FlagHit | None:
        """The destination's flag, with its decayed weight, unless decayed away."""
        flag = self.flags.get(destination)
        if flag is None:
            return None
        age = max((at - flag.flagged_at).total_seconds(), 0.0)
        weight = 0.5 ** (age / self.half_life_s)
        return FlagHit(flag, weight, age) if weight >= MIN_WEIGHT else None

    def flag(self, destination: str, at: datetime, incident_id: int | None,
             accounts: set[str]) -> None:
        """Mark ``destination`` converged (the earliest flag time and first incident stay)."""
        flag = self.flags.get(destination)
        if flag is None:
            self.flags[destination] = Flag(at, incident_id, set(accounts))
            return
        flag.accounts |= accounts
        if flag.incident_id is None:
            flag.incident_id = incident_id
