"""Who paid into a contract, and what it holds: the facts that make a claim an entitlement.

Why: a replay wave pays people who never put anything in, each a large slice of a falling
balance; a reward wave pays stakers and depositors what they are owed, or everyone a fixed
sliver of a funded budget. The ledger follows the block stream: per contract, the
addresses that sent it tokens or value (bounded, oldest forgotten first), and a running
per-token balance from the flows seen (a lower bound when the contract was funded before
the stream started; a balance that is not positive is treated as unknown).
"""

from __future__ import annotations

from collections import OrderedDict

from hafeniq_chain.decode.records import BlockBundle


class PayInLedger:
    """Payers and observed balances per contract; memory bounded by ``max_entries``."""

    def __init__(self, max_entries: int = 500_000) -> None:
        self.max_entries = max_entries
        # (contract, payer) -> token -> amount paid in ("" = native value)
        self._payers: OrderedDict[tuple[str, str], dict[str, int]] = OrderedDict()
        self._balances: OrderedDict[tuple[str, str], int] = OrderedDict()

    def observe(self, block: BlockBundle) -> None:
        for tx in block.transactions:
            if tx.value and tx.to_addr and tx.status != 0:
                self._remember(tx.to_addr, tx.from_addr, "", tx.value)
        for t in block.transfers:
            self._remember(t.to_addr, t.from_addr, t.token, t.amount)
            self._add(t.to_addr, t.token, t.amount)
            self._add(t.from_addr, t.token, -t.amount)
        while len(self._payers) > self.max_entries:
            self._payers.popitem(last=False)
        while len(self._balances) > self.max_entries:
            self._balances.popitem(last=False)

    def _remember(self, contract: str, payer: str, token: str, amount: int) -> None:
        paid = self._payers.setdefault((contract, payer), {})
        paid[token] = paid.get(token, 0) + amount
        self._payers.move_to_end((contract, payer))

    def _add(self, holder: str, token: str, amount: int) -> None:
        key = (holder, token)
        self._balances[key] = self._balances.get(key, 0) + amount
        self._balances.move_to_end(key)

    def entitled(self, contract: str, address: str, token: str, payout: int,
                 multiple: float) -> bool:
        """Did ``address`` pay into ``contract`` before, enough to be owed ``payout``?

        Paid in the payout's own token: the payout may be at most ``multiple`` times that
        (a dust deposit does not entitle anyone to the escrow); paid in another token (a
        stake paid back in a reward token): any payment counts.
        """
        paid = self._payers.get((contract, address))
        if not paid:
            return False
        return token not in paid or payout <= multiple * paid[token]

    def share(self, contract: str, token: str, amount: int) -> float | None:
        """``amount`` / the contract's observed balance of ``token``; None when unknown."""
        balance = self._balances.get((contract, token), 0)
        return amount / balance if balance > 0 else None
