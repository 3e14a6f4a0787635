"""Governance events of one block as small typed records, shared by the governance detectors.

Why a module of its own: the flash-vote, voting-ring and governance-signal detectors all read
the same OpenZeppelin Governor / ERC20Votes events (``VoteCast``, ``DelegateChanged``,
``DelegateVotesChanged``, ``ProposalCreated``); parsing them once, with malformed payloads
counted and logged instead of crashing a detector, keeps each detector about its signal.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from hafeniq_chain.core.finding import ConfidenceBand
from hafeniq_chain.decode.records import BlockBundle, LogRecord
from hafeniq_chain.log import get_logger
from hafeniq_chain.metrics import DECODE_ERRORS

log = get_logger(__name__)

VOTE_EVENTS = frozenset({"VoteCast", "VoteCastWithParams"})
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Vote:
    """One ``VoteCast``: ``voter`` is the address that called ``castVote`` (EOA or contract)."""

    block: int
    tx_hash: str
    tx_index: int
    log_index: int
    governor: str
    voter: str
    proposal_id: int
    support: int
    weight: int


@dataclass(frozen=True, slots=True)
class DelegationChange:
    """One ``DelegateChanged`` emitted by a votes token."""

    block: int
    tx_hash: str
    tx_index: int
    log_index: int
    token: str
    delegator: str
    from_delegate: str
    to_delegate: str


@dataclass(frozen=True, slots=True)
class VotesChange:
    """One ``DelegateVotesChanged``: a delegate's voting power moved from ``previous``."""

    block: int
    tx_hash: str
    tx_index: int
    log_index: int
    token: str
    delegate: str
    previous: int
    new: int


@dataclass(frozen=True, slots=True)
class ProposalCreated:
    """One ``ProposalCreated`` with its actions; ``vote_start`` is the snapshot timepoint."""

    block: int
    tx_hash: str
    governor: str
    proposal_id: int
    proposer: str
    targets: tuple[str, ...]
    calldatas: tuple[bytes, ...]
    vote_start: int
    vote_end: int


def _vote(lg: LogRecord, a: dict[str, Any]) -> Vote:
    return Vote(lg.block_number, lg.tx_hash, lg.tx_index, lg.log_index, lg.address,
                str(a["voter"]).lower(), int(a["proposalId"]), int(a["support"]),
                int(a["weight"]))


def _delegation(lg: LogRecord, a: dict[str, Any]) -> DelegationChange:
    return DelegationChange(lg.block_number, lg.tx_hash, lg.tx_index, lg.log_index, lg.address,
                            str(a["delegator"]).lower(), str(a["fromDelegate"]).lower(),
                            str(a["toDelegate"]).lower())


def _votes_change(lg: LogRecord, a: dict[str, Any]) -> VotesChange:
    return VotesChange(lg.block_number, lg.tx_hash, lg.tx_index, lg.log_index, lg.address,
                       str(a["delegate"]).lower(), int(a["previousVotes"]), int(a["newVotes"]))


def _calldata(value: Any) -> bytes:
    if isinstance(value, bytes):
        return value
    text = str(value)
    return bytes.fromhex(text[2:] if text.startswith("0x") else text)


def _proposal(lg: LogRecord, a: dict[str, Any]) -> ProposalCreated:
    return ProposalCreated(lg.block_number, lg.tx_hash, lg.address, int(a["proposalId"]),
                           str(a["proposer"]).lower(),
                           tuple(str(t).lower() for t in a["targets"]),
                           tuple(_calldata(c) for c in a["calldatas"]),
                           int(a["voteStart"]), int(a["voteEnd"]))


def _parse(block: BlockBundle, names: frozenset[str],
           build: Callable[[LogRecord, dict[str, Any]], T]) -> list[T]:
    out: list[T] = []
    for lg in block.logs:
        if lg.event_name not in names:
            continue
        if lg.decoded is None:
            DECODE_ERRORS.labels(kind="governance_event").inc()
            log.warning("detect.governance.undecoded_event", block=lg.block_number,
                        tx=lg.tx_hash, event_name=lg.event_name)
            continue
        try:
            out.append(build(lg, lg.decoded))
        except (KeyError, TypeError, ValueError) as exc:  # a counted, logged skip
            DECODE_ERRORS.labels(kind="governance_event").inc()
            log.warning("detect.governance.malformed_event", block=lg.block_number,
                        tx=lg.tx_hash, event_name=lg.event_name, error=repr(exc)[:200])
    return out


def votes_in(block: BlockBundle) -> list[Vote]:
    return _parse(block, VOTE_EVENTS, _vote)


def delegations_in(block: BlockBundle) -> list[DelegationChange]:
    return _parse(block, frozenset({"DelegateChanged"}), _delegation)


def votes_changes_in(block: BlockBundle) -> list[VotesChange]:
    return _parse(block, frozenset({"DelegateVotesChanged"}), _votes_change)


def proposals_in(block: BlockBundle) -> list[ProposalCreated]:
    return _parse(block, frozenset({"ProposalCreated"}), _proposal)


def band(score: float, width: float = 0.15) -> ConfidenceBand:
    """A confidence band around ``score``, clipped to [0, 1]."""
    return ConfidenceBand(max(0.0, score - width), min(1.0, score + width / 2))


def position(block: int, tx_index: int, where: str | int) -> tuple[int, int, int]:
    """Order key of an event in the chain: (block, tx index, log index; -1 for a tx value)."""
    if isinstance(where, int):
        return block, tx_index, where
    return block, tx_index, int(where[4:]) if where.startswith("log:") else -1
