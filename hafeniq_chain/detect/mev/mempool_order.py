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
from typing import Generic, TypeVar

from hafeniq_chain.decode.records import PendingTxRecord

# Where the detection pipeline keeps the one order it records as sightings arrive
# (``DetectionContext.state``); detectors fall back to their own ``on_pending`` record.
MEMPOOL_ORDER = "mempool_order"
T = TypeVar("T")


class MempoolOrder:
    """First sighting per transaction hash: (first-seen ms, arrival sequence)."""

    def __init__(self, capacity: int = 100_000) -> None:
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

    @property
    def active(self) -> bool:
        """Has a mempool feed delivered anything (else no rule may depend on it)?"""
        return self._seq > 0

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


def saw_unless_shared(ctx_state: dict[str, object], own: MempoolOrder,
                      tx: PendingTxRecord) -> None:
    """A detector's ``on_pending``: keep its own record only when no pipeline keeps one
    (tests and the variant scorer call detectors directly), so memory is not duplicated."""
    if not isinstance(ctx_state.get(MEMPOOL_ORDER), MempoolOrder):
        own.saw(tx)


class ReactionGate(Generic[T]):
    """Holds a block's candidates for one block when the mempool verdict is not known yet.

    Live, the follower can read a block before the websocket has delivered the sightings of
    its transactions (a busy block's hundred pending notifications are still being read).
    With a mempool feed active, a candidate whose front-run or victims are unseen waits
    one block and is judged again; a front-run still unseen then was private (a bundle) and
    the rule does not apply. Without a feed (replay, recordings) nothing waits.
    """

    def __init__(self) -> None:
        self.held: list[tuple[T, str, list[str]]] = []

    def admit(self, order: MempoolOrder, items: Sequence[tuple[T, str, Sequence[str]]]
              ) -> list[T]:
        """Items to report now: the held ones of the previous block, then this block's."""
        out = [item for item, front, victims in self.held
               if order.reacted(front, victims) is not False]
        self.held = []
        for item, front, victims in items:
            verdict = order.reacted(front, victims)
            if verdict is False:
                continue
            unseen = order.seen(front) is None or any(order.seen(v) is None for v in victims)
            if verdict is None and order.active and unseen:
                self.held.append((item, front, list(victims)))
            else:
                out.append(item)
        return out
