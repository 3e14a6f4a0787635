"""MEV-like clustering: addresses that keep landing right around other people's swaps.

In each pool's swap order, a bracket around another actor's swap (same direction just
before, opposite direction just after, one sender or one contract) marks its actors. An
actor marked in ``min_blocks`` distinct blocks within ``window_blocks`` is reported once
per window, with the cluster of actors that were marked around the same
victims (a networkx component: searchers with several EOAs or contracts) and, when the
node saw the mempool, the share of its transactions that never appeared there.
"""

from __future__ import annotations

from collections import defaultdict
from itertools import pairwise

import networkx as nx
from pydantic import Field

from hafeniq_chain.core.finding import ConfidenceBand, FeatureDelta, Finding, Severity
from hafeniq_chain.core.reasons import ReasonCode
from hafeniq_chain.decode.records import BlockBundle, PendingTxRecord, SwapRecord
from hafeniq_chain.detect.base import DetectionContext, Detector, DetectorSettings, Triggers
from hafeniq_chain.detect.mev.intermediaries import IntermediaryBook
from hafeniq_chain.detect.mev.mempool_order import MempoolOrder, saw_unless_shared, sightings
from hafeniq_chain.detect.mev.sandwich import ROUTERS
from hafeniq_chain.detect.mev.sandwich_evidence import in_arbitrage


def adjacency_marks(swaps: list[SwapRecord], max_gap: int = 2,
                    book: IntermediaryBook | None = None,
                    mempool: MempoolOrder | None = None) -> list[tuple[str, str, str]]:
    """(actor, victim tx, actor tx) for both sides of every bracket around another's swap.

    A bracket is a same-direction swap just before and an opposite-direction swap just
    after, tied by the sandwich detector's identity rules: one sender, or one contract
    that received the first leg and paid the second when that contract is no
    intermediary (``book``: routers and pools that many unrelated senders route through
    would otherwise bracket their own users). The actor is the bot (contract or sender).
    A first leg that reached the mempool before its victim did not react to it and marks
    nobody (``mempool``); neither does one that closes a profitable arbitrage cycle.
    """
    if book is None:
        book = IntermediaryBook()
        book.observe(swaps, swaps[0].block_number if swaps else 0)
    by_pool: dict[str, list[SwapRecord]] = defaultdict(list)
    for s in sorted(swaps, key=lambda s: (s.tx_index, s.position)):
        if s.error is None:
            by_pool[s.pool].append(s)
    marks = []
    for ordered in by_pool.values():
        for before, victim, after in zip(ordered, ordered[1:], ordered[2:], strict=False):
            bot = before.recipient if (before.recipient == after.sender
                                       and not book.is_intermediary(before.recipient)) \
                else before.tx_from if before.tx_from == after.tx_from else None
            if (bot is not None and victim.tx_from not in (before.tx_from, after.tx_from)
                    and bot not in (victim.sender, victim.recipient)
                    and len({before.tx_hash, victim.tx_hash, after.tx_hash}) == 3
                    and after.tx_index - before.tx_index <= 2 * max_gap
                    and before.token_in == victim.token_in
                    and after.token_in == victim.token_out
                    and not (mempool and mempool.reacted(before.tx_hash, [victim.tx_hash])
                             is False)
                    and not in_arbitrage(before, swaps)):
                marks.append((bot, victim.tx_hash, before.tx_hash))
                marks.append((bot, victim.tx_hash, after.tx_hash))
    return marks


class MevClusterSettings(DetectorSettings):
    """``[detect.mev_cluster]``: how many recent blocks are looked at, and in how many of
    them an actor must have hit victims to be reported."""

    window_blocks: int = Field(default=200, ge=2, le=100_000)
    min_blocks: int = Field(default=4, ge=2, le=1_000)


class MevClusterDetector(Detector):
    name = "mev_cluster"
    version = "2"
    triggers = Triggers(blocks=True, pending=True)
    settings_model = MevClusterSettings

    def __init__(self, config: MevClusterSettings | None = None) -> None:
        self.config = config or MevClusterSettings()
        self.window_blocks = self.config.window_blocks
        self.min_blocks = self.config.min_blocks
        self.marks: dict[str, dict[int, set[str]]] = defaultdict(dict)  # actor -> block -> txs
        self.victim_actors: dict[str, tuple[int, set[str]]] = {}  # victim tx -> block, actors
        self.reported: dict[str, int] = {}
        self.book = IntermediaryBook(ROUTERS)
        self.mempool = MempoolOrder()
        self.operators: dict[str, set[str]] = {}  # bot -> the accounts that sent its legs

    async def on_pending(self, tx: PendingTxRecord, ctx: DetectionContext) -> list[Finding]:
        saw_unless_shared(ctx.state, self.mempool, tx)
        return []

    async def on_block(self, block: BlockBundle, ctx: DetectionContext) -> list[Finding]:
        horizon = block.number - self.window_blocks
        self.book.observe(block.swaps, block.number)
        senders = {s.tx_hash: s.tx_from for s in block.swaps}
        for actor, victim_tx, actor_tx in adjacency_marks(block.swaps, book=self.book,
                                                          mempool=sightings(ctx.state,
                                                                            self.mempool)):
            self.operators.setdefault(actor, set()).add(senders.get(actor_tx, actor))
            self.marks[actor].setdefault(block.number, set()).add(actor_tx)
            self.victim_actors.setdefault(victim_tx, (block.number, set()))[1].add(actor)
        self.victim_actors = {v: e for v, e in self.victim_actors.items() if e[0] > horizon}
        for actor in list(self.marks):
            self.marks[actor] = {b: t for b, t in self.marks[actor].items() if b > horizon}
            if not self.marks[actor]:
                del self.marks[actor]
                self.operators.pop(actor, None)
        private = {tx.hash for tx in block.transactions if tx.private}
        findings = []
        for actor, blocks in self.marks.items():
            if (block.number not in blocks or len(blocks) < self.min_blocks
                    or self.reported.get(actor, -10**18) > horizon):
                continue
            self.reported[actor] = block.number
            findings.append(self._finding(block, actor, blocks, private))
        return findings

    def _cluster(self, actor: str) -> list[str]:
        graph: nx.Graph[str] = nx.Graph()
        for _, actors in self.victim_actors.values():
            members = sorted(a for a in actors if a in self.marks)
            graph.add_nodes_from(members)
            graph.add_edges_from(pairwise(members))
        return sorted(nx.node_connected_component(graph, actor)) if actor in graph else [actor]

    def _finding(self, block: BlockBundle, actor: str, blocks: dict[int, set[str]],
                 private: set[str]) -> Finding:
        txs = sorted(blocks[block.number])
        reasons = [ReasonCode.MEV_ADJACENCY]
        deltas = [FeatureDelta("adjacent_blocks", None, float(len(blocks)),
                               f"landed next to others' swaps in {len(blocks)} blocks "
                               f"of the last {self.window_blocks}")]
        hidden = sum(1 for t in txs if t in private)
        if hidden * 2 >= len(txs) and hidden:
            reasons.append(ReasonCode.PRIVATE_ORDERFLOW)
            deltas.append(FeatureDelta("private_tx_share", None, hidden / len(txs),
                                       f"{hidden}/{len(txs)} of its transactions never "
                                       f"appeared in the mempool"))
        cluster = sorted({*self._cluster(actor),
                          *(op for a in self._cluster(actor) for op in self.operators.get(a, ()))})
        score = min(0.9, 0.4 + 0.05 * len(blocks) + 0.1 * (len(reasons) - 1))
        return Finding(
            detector=self.name, detector_version=self.version, kind="mev_cluster",
            score=score, confidence=ConfidenceBand(max(0.0, score - 0.2), score + 0.1),
            severity=Severity.LOW, reason_codes=tuple(reasons),
            summary=f"{actor} repeatedly lands around other actors' swaps "
                    f"(cluster of {len(cluster)})",
            dedup_key=f"mev_cluster:{actor}:{block.number}", chain_id=block.chain_id,
            entities=tuple(cluster), tx_hashes=tuple(txs), block_from=min(blocks),
            block_to=block.number, deltas=tuple(deltas),
            details={"actors": cluster, "pool": None, "blocks": sorted(blocks)})
