"""When each transaction was first seen in the public mempool, for the sandwich rules.

A front-run is a reaction: the bot sees the victim's pending swap and then sends its own,
ordered ahead of it (by tip, or privately in a bundle). A trader whose buy was already
public before the "victims" arrived did not react to them; on the dense benign world this
is what tells a wallet's own buy-then-sell with others' buys between (a round trip that
looks like a sandwich) from an attack. Sightings are kept for the last ``capacity``
transactions (oldest dropped), so memory is bounded under a mempool flood. Without a
mempool feed (replay, recorded blocks) nothing is known and no rule depends on it.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence

from hafeniq_chain.decode.records import PendingTxRecord

# Where the detection pipeline keeps the one order it records as sightings arrive
# (``DetectionContext.state``); detectors fall back to their own ``on_pending`` record.
MEMPOOL_ORDER = "mempool_order"


class MempoolOrder:
    """First sighting per transaction hash: (first-seen ms, arrival sequence)."""

    def __init__(self, capacity: int = 200_000) -> None:
        self.capacity = capacity
        self._seen: OrderedDict[str, tuple[int, int]] = OrderedDict()
        self._seq = 0

    def saw(self, tx: PendingTxRecord) -> None:
        if tx.hash in self._seen:
            return
        self._seq += 1
        self._seen[tx.hash] = (tx.first_seen_ms, self._seq)
        if len(self._seen) > self.capacity:
            self._seen.popitem(last=False)

    def seen(self, tx_hash: str) -> tuple[int, int] | None:
        return self._seen.get(tx_hash)

    def reacted(self, front: str, victims: Sequence[str]) -> bool | None:
        """Was the front-run first seen after one of its victims? None: not knowable (the
        front-run or every victim never appeared in the public mempool)."""
        when = self.seen(front)
        seen_victims = [w for v in victims if (w := self.seen(v)) is not None]
        if when is None or not seen_victims:
            return None
        return any(w < when for w in seen_victims)


def sightings(ctx_state: dict[str, object], own: MempoolOrder) -> MempoolOrder:
    """The pipeline's order when it records one, else the detector's own."""
    shared = ctx_state.get(MEMPOOL_ORDER)
    return shared if isinstance(shared, MempoolOrder) else own
