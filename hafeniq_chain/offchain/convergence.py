"""Cross-account destination convergence: the signature of one actor behind many accounts.

Independent accounts sending to the same *fresh* destination (nobody on the platform
used it before the window) within a short window is what a single threat actor with
several compromised accounts looks like, and what ordinary users almost never do.
"""

from __future__ import annotations

from dataclasses import dataclass

from hafeniq_chain.offchain.history import PastWithdrawal


@dataclass(frozen=True)
class Convergence:
    """A fresh destination reached by several accounts inside the window."""

    destination: str
    accounts: tuple[str, ...]
    interval_s: float

    def as_dict(self) -> dict[str, object]:
        return {"destination": self.destination, "accounts": list(self.accounts),
                "interval_s": round(self.interval_s, 1)}


def find_convergences(window: list[PastWithdrawal], fresh: set[str],
                      min_accounts: int) -> list[Convergence]:
    """Fresh destinations in ``window`` reached by at least ``min_accounts`` accounts."""
    by_destination: dict[str, list[PastWithdrawal]] = {}
    for w in window:
        if w.destination in fresh:
            by_destination.setdefault(w.destination, []).append(w)
    found = []
    for destination, sends in by_destination.items():
        accounts: list[str] = []
        for w in sends:
            if w.account_id not in accounts:
                accounts.append(w.account_id)
        if len(accounts) >= min_accounts:
            first_two = [next(w for w in sends if w.account_id == a) for a in accounts[:2]]
            interval = (first_two[1].occurred_at - first_two[0].occurred_at).total_seconds()
            found.append(Convergence(destination, tuple(accounts), interval))
    return found


def accounts_to_freeze(window: list[PastWithdrawal], convergences: list[Convergence]
                       ) -> list[str]:
    """Every account that sent to a converged destination, in order of first appearance."""
    targets = {c.destination for c in convergences}
    accounts: list[str] = []
    for w in window:
        if w.destination in targets and w.account_id not in accounts:
            accounts.append(w.account_id)
    return accounts
