"""Which bridge releases are proven: a release backed by the recipient's own earlier deposit.

Why: on a lock-and-release bridge a large payout is ordinary when it mirrors a deposit (the
user locked on one side, the relayer releases on the other, possibly on the counterpart
bridge watched on the same chain). What a broken verification path (Nomad, Ronin) pays out
is backed by nothing: the recipient never deposited. The ledger keeps, per party, what it
deposited into any watched or recognised bridge recently and not yet released; a release
up to that amount (plus a fee tolerance) is *matched* and consumes it. Tokens are not
compared: a counterpart bridge may release a wrapped twin of the token locked. Bounded.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from dataclasses import dataclass


@dataclass(frozen=True)
class ReleaseMatch:
    """How much of a release the recipient's open deposits cover."""

    matched: bool
    covered: int           # deposited amount the release consumed
    prior_deposits: int    # deposits the recipient ever made (within the ledger's memory)


@dataclass
class _Party:
    open: deque[tuple[int, int]]  # (block, amount still unreleased)
    deposits: int = 0


class DepositLedger:
    """Open deposits per party within ``horizon_blocks``; oldest parties forgotten first."""

    def __init__(self, horizon_blocks: int = 216_000, tolerance: float = 0.02,
                 max_parties: int = 200_000) -> None:
        self.horizon_blocks = horizon_blocks  # about 30 days of 12-second blocks
        self.tolerance = tolerance
        self.max_parties = max_parties
        self._parties: OrderedDict[str, _Party] = OrderedDict()

    def deposit(self, party: str, amount: int, block: int) -> None:
        entry = self._parties.get(party)
        if entry is None:
            entry = self._parties[party] = _Party(deque())
            while len(self._parties) > self.max_parties:
                self._parties.popitem(last=False)
        self._parties.move_to_end(party)
        entry.open.append((block, amount))
        entry.deposits += 1

    def release(self, party: str, amount: int, block: int) -> ReleaseMatch:
        """Match a release to ``party`` against its open deposits (consumed when matched)."""
        entry = self._parties.get(party)
        if entry is None:
            return ReleaseMatch(False, 0, 0)
        while entry.open and entry.open[0][0] < block - self.horizon_blocks:
            entry.open.popleft()
        available = sum(a for _, a in entry.open)
        if amount > available * (1 + self.tolerance):
            return ReleaseMatch(False, 0, entry.deposits)
        left = amount
        while left > 0 and entry.open:
            b, a = entry.open.popleft()
            if a > left:
                entry.open.appendleft((b, a - left))
            left -= a
        return ReleaseMatch(True, min(amount, available), entry.deposits)


UNMATCHED = ReleaseMatch(False, 0, 0)
