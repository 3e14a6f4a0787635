"""Flash-loan voting: voting power acquired, delegated, voted with and released within moments.

Why: a governance takeover with borrowed tokens (Beanstalk 2022) needs four steps close
together: acquire the votes token (ERC-3156 flash mint = a mint from the zero address, a
loan, or a large purchase), change delegation so the tokens count, cast the vote, then give
the tokens back (burn, repay, transfer out). Each step alone is ordinary; all four for the
same address inside one transaction or a few blocks are not. The detector keeps only the
last ``window_blocks`` blocks of votes-token transfers, delegations and votes in memory and
raises once per vote, when the release completes the pattern.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from hafeniq_chain.core.finding import FeatureDelta, Finding, Severity
from hafeniq_chain.core.reasons import ReasonCode
from hafeniq_chain.core.stats import BlendedBaseline
from hafeniq_chain.decode.records import (
    ZERO_ADDRESS,
    BlockBundle,
    TransferRecord,
)
from hafeniq_chain.detect.base import DetectionContext, Detector, DetectorSettings, Triggers
from hafeniq_chain.detect.governance.events import (
    DelegationChange,
    Vote,
    band,
    delegations_in,
    position,
    votes_changes_in,
    votes_in,
)

Pos = tuple[int, int, int]


class FlashVoteSettings(DetectorSettings):
    """``window_blocks``: how far apart acquire, vote and release may be."""

    window_blocks: int = 5
    release_fraction: float = 0.9  # released / acquired needed to call the power "released"
    max_reported: int = 10_000


@dataclass
class _Window:
    """The recent events the pattern is assembled from (all within ``window_blocks``)."""

    transfers: deque[tuple[Pos, TransferRecord]] = field(default_factory=deque)
    delegations: deque[DelegationChange] = field(default_factory=deque)
    votes: deque[Vote] = field(default_factory=deque)
    senders: dict[str, str] = field(default_factory=dict)  # vote tx -> tx sender

    def prune(self, oldest: int) -> None:
        for q in (self.transfers, self.delegations, self.votes):
            while q and _block_of(q[0]) < oldest:
                q.popleft()
        live = {v.tx_hash for v in self.votes}
        self.senders = {h: s for h, s in self.senders.items() if h in live}


def _block_of(item: Any) -> int:
    return int(item[0][0]) if isinstance(item, tuple) else int(item.block)


@dataclass(frozen=True)
class FlashVote:
    """One completed acquire -> delegate -> vote -> release pattern."""

    vote: Vote
    token: str
    acquired: int
    released: int
    minted: bool
    acquire_txs: tuple[str, ...]
    release_txs: tuple[str, ...]
    delegation_tx: str
    sources: tuple[str, ...]
    first_block: int

    @property
    def single_tx(self) -> bool:
        return set(self.acquire_txs) | set(self.release_txs) | {self.delegation_tx} == {
            self.vote.tx_hash}

    @property
    def all_txs(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((*self.acquire_txs, self.delegation_tx, self.vote.tx_hash,
                                    *self.release_txs)))


def match_flash_vote(vote: Vote, window: _Window, vote_tokens: set[str],
                     cfg: FlashVoteSettings) -> FlashVote | None:
    """The pattern around ``vote`` if every step is in ``window``; pure, for unit tests."""
    vpos = position(vote.block, vote.tx_index, vote.log_index)
    lo, hi = vote.block - cfg.window_blocks, vote.block + cfg.window_blocks
    for token in sorted(vote_tokens):
        moves = [(p, t) for p, t in window.transfers if t.token == token and lo <= p[0] <= hi]
        inbound = [(p, t) for p, t in moves if t.to_addr == vote.voter and p < vpos]
        outbound = [(p, t) for p, t in moves if t.from_addr == vote.voter and p > vpos]
        acquired = sum(t.amount for _, t in inbound)
        released = sum(t.amount for _, t in outbound)
        if not acquired or released < cfg.release_fraction * acquired:
            continue
        changes = [d for d in window.delegations if d.token == token
                   and vote.voter in (d.delegator, d.to_delegate) and lo <= d.block
                   and position(d.block, d.tx_index, d.log_index) < vpos]
        if not changes:
            continue
        delegation = changes[-1]  # the latest change before the vote is the one that counted
        return FlashVote(vote, token, acquired, released,
                         any(t.from_addr == ZERO_ADDRESS for _, t in inbound),
                         tuple(dict.fromkeys(t.tx_hash for _, t in inbound)),
                         tuple(dict.fromkeys(t.tx_hash for _, t in outbound)),
                         delegation.tx_hash,
                         tuple(dict.fromkeys(t.from_addr for _, t in inbound)),
                         min(inbound[0][0][0], delegation.block))
    return None


class FlashLoanVoteDetector(Detector):
    """Flags votes cast with voting power that arrived and left around the vote."""

    name = "flash_loan_vote"
    version = "1"
    settings_model = FlashVoteSettings
    triggers = Triggers(blocks=True)

    def __init__(self, config: FlashVoteSettings | None = None) -> None:
        self.config = config or FlashVoteSettings()
        self.window = _Window()
        self.vote_tokens: set[str] = set()
        self.reported: deque[str] = deque()
        self.weight: dict[str, BlendedBaseline] = {}  # governor -> log10 vote weight, unflagged

    async def on_block(self, block: BlockBundle, ctx: DetectionContext) -> list[Finding]:
        delegations = delegations_in(block)
        self.vote_tokens |= {d.token for d in delegations}
        self.vote_tokens |= {c.token for c in votes_changes_in(block)}
        w = self.window
        w.transfers.extend((position(t.block_number, t.tx_index, t.position), t)
                           for t in block.transfers if t.token in self.vote_tokens)
        w.delegations.extend(delegations)
        votes = votes_in(block)
        w.votes.extend(votes)
        senders = {tx.hash: tx.from_addr for tx in block.transactions}
        w.senders.update({v.tx_hash: senders.get(v.tx_hash, "") for v in votes})
        w.prune(block.number - 2 * self.config.window_blocks)
        findings = []
        for vote in list(w.votes):
            key = f"{vote.tx_hash}:{vote.log_index}"
            if key in self.reported:
                continue
            hit = match_flash_vote(vote, w, self.vote_tokens, self.config)
            if hit is None:
                if vote.block == block.number - self.config.window_blocks:  # final verdict
                    self._learn(vote)
                continue
            self.reported.append(key)
            while len(self.reported) > self.config.max_reported:
                self.reported.popleft()
            findings.append(self._finding(hit, block.number, ctx))
        return findings

    def _learn(self, vote: Vote) -> None:
        """Typical vote weight per governor, only from votes that never matched the pattern."""
        base = self.weight.setdefault(vote.governor, BlendedBaseline.new())
        base.update(math.log10(vote.weight + 1))

    def _finding(self, hit: FlashVote, block: int, ctx: DetectionContext) -> Finding:
        v = hit.vote
        score = (0.9 if hit.single_tx else 0.8) + (0.05 if hit.minted else 0.0)
        base = self.weight.get(v.governor)
        typical = 10 ** base.mean if base is not None and base.n else None
        how = "flash-minted" if hit.minted else "borrowed/bought"
        where = "in one transaction" if hit.single_tx else \
            f"within {block - hit.first_block} blocks"
        attacker = self.window.senders.get(v.tx_hash, "")
        deltas = (
            FeatureDelta("voting_power_acquired", typical, float(hit.acquired),
                         f"{how} {hit.acquired} votes-token units right before the vote"
                         + (f" (typical vote weight {typical:.3g})" if typical else "")),
            FeatureDelta("power_released_ratio", None, round(hit.released / hit.acquired, 4),
                         f"{hit.released / hit.acquired:.0%} of it released after the vote"),
            FeatureDelta("acquire_to_release_blocks", None,
                         float(block - hit.first_block), f"acquired, voted, released {where}"),
        )
        reasons = (ReasonCode.FLASH_LOAN_VOTE,)
        return Finding(
            detector=self.name, detector_version=self.version, kind="flash_loan_vote",
            score=min(1.0, score), confidence=band(min(1.0, score), 0.1),
            severity=Severity.CRITICAL if hit.single_tx else Severity.HIGH,
            reason_codes=reasons,
            summary=f"{v.voter} voted on proposal {v.proposal_id} with {how} power "
                    f"({hit.acquired} of {hit.token}) released {where}",
            dedup_key=f"flash_vote:{v.tx_hash}:{v.log_index}", chain_id=ctx.chain_id,
            entities=tuple(dict.fromkeys(a for a in (v.voter, attacker, hit.token, v.governor)
                                         if a)),
            tx_hashes=hit.all_txs, block_from=hit.first_block, block_to=block,
            deltas=deltas,
            details={"correlation_key": f"flash_vote:{ctx.chain_id}:{v.governor}:"
                                        f"{v.proposal_id}:{v.voter}",
                     "vote_tx": v.tx_hash, "voter": v.voter, "tx_sender": attacker,
                     "token": hit.token, "borrowed_amount": str(hit.acquired),
                     "released_amount": str(hit.released), "minted": hit.minted,
                     "sources": list(hit.sources), "governor": v.governor,
                     "proposal_id": str(v.proposal_id), "support": v.support,
                     "vote_weight": str(v.weight), "delegation_tx": hit.delegation_tx})
