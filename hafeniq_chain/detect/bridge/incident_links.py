"""What bridge detectors share through ``DetectionContext.state``: incident keys and leads.

Why: a drain, the copycat wave that follows it and the laundering of the proceeds are one
incident, but three detectors see them. Each detector asks ``IncidentLinks.key_for`` with
the transactions and contracts it flagged; if another detector already opened an incident
for any of them, it joins that key so fusion makes one incident, not three. A ``Lead`` is
funds a detector flagged for the fund tracer to follow. Both are bounded.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass

from hafeniq_chain.detect.base import DetectionContext

STATE_KEY = "bridge_incident_links"


@dataclass(frozen=True)
class Lead:
    """Funds worth following: who received what in a flagged transaction."""

    tx_hash: str
    tx_index: int
    block: int
    timestamp: int
    token: str
    holder: str
    amount: int
    correlation_key: str
    source: str


class IncidentLinks:
    """tx hash / contract -> open correlation key, plus a queue of leads for the tracer."""

    def __init__(self, quiet_blocks: int = 300, max_links: int = 50_000,
                 max_leads: int = 1_000) -> None:
        self.quiet_blocks = quiet_blocks  # a contract's incident closes after this long
        self.max_links = max_links
        self.max_leads = max_leads
        self._by_tx: OrderedDict[str, str] = OrderedDict()
        self._by_contract: dict[str, tuple[str, int]] = {}
        self._leads: list[Lead] = []
        self.dropped_leads = 0

    def key_for(self, txs: Iterable[str], contracts: Iterable[str], block: int,
                fallback: str) -> str:
        """The open key any of these txs or contracts already belongs to, else ``fallback``."""
        for tx in txs:
            if tx in self._by_tx:
                return self._by_tx[tx]
        for contract in contracts:
            known = self._by_contract.get(contract)
            if known is not None and block - known[1] <= self.quiet_blocks:
                return known[0]
        return fallback

    def bind(self, key: str, txs: Iterable[str], contracts: Iterable[str], block: int) -> None:
        """Remember that these txs and contracts belong to incident ``key``."""
        for tx in txs:
            self._by_tx[tx] = key
            self._by_tx.move_to_end(tx)
        while len(self._by_tx) > self.max_links:
            self._by_tx.popitem(last=False)
        for contract in contracts:
            self._by_contract[contract] = (key, block)
        if len(self._by_contract) > self.max_links:
            self._by_contract = {c: v for c, v in self._by_contract.items()
                                 if block - v[1] <= self.quiet_blocks}

    def publish(self, lead: Lead) -> None:
        if len(self._leads) >= self.max_leads:
            self.dropped_leads += 1
            return
        self._leads.append(lead)

    def take_leads(self) -> list[Lead]:
        leads, self._leads = self._leads, []
        return leads


def links(ctx: DetectionContext) -> IncidentLinks:
    """The one ``IncidentLinks`` of this detection context (created on first use)."""
    shared = ctx.state.get(STATE_KEY)
    if not isinstance(shared, IncidentLinks):
        shared = IncidentLinks()
        ctx.state[STATE_KEY] = shared
    return shared
