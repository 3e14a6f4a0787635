"""Bridge lock and release events, read straight from raw logs by topic0.

Why raw: the same flows must be visible from a live node, a recorded ``eth_getLogs``
file (where only logs exist) and a store replay, whatever ABIs were loaded. A spec
names where the token, the counterparty and the amount sit in the log, as in
mev-inspect's protocol spec lists; adding a bridge = one line in ``BRIDGE_EVENTS``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from eth_utils.crypto import keccak

from hafeniq_chain.decode.records import BlockBundle, LogRecord

FlowKind = Literal["lock", "release"]


@dataclass(frozen=True)
class BridgeEventSpec:
    """Where the fields are: ``t1``..``t3`` = indexed topic, ``dN`` = N-th data word."""

    signature: str
    kind: FlowKind
    token: str
    party: str
    amount: str
    recipient: str = ""  # a lock's designated recipient on the other side, when it names one

    @property
    def topic0(self) -> str:
        return "0x" + keccak(text=self.signature).hex()


BRIDGE_EVENTS: tuple[BridgeEventSpec, ...] = (
    # lock-and-release escrows (abis/lock_release_bridge.json, contracts-fixtures BridgeEscrow)
    BridgeEventSpec("Deposit(address,address,uint256,uint256,address,uint256)", "lock",
                    "t1", "t2", "d0", recipient="d2"),
    BridgeEventSpec("Withdrawal(address,address,uint256,uint256,uint256)", "release",
                    "t1", "t2", "d0"),
    BridgeEventSpec("Withdrawal(address,address,uint256,uint256,bytes32)", "release",
                    "t1", "t2", "d0"),
    # Nomad BridgeRouter
    BridgeEventSpec("Send(address,address,uint32,bytes32,uint256,bool)", "lock",
                    "t1", "t2", "d1"),
    BridgeEventSpec("Receive(uint64,address,address,address,uint256)", "release",
                    "t2", "t3", "d1"),
)
_BY_TOPIC = {spec.topic0: spec for spec in BRIDGE_EVENTS}


@dataclass(frozen=True)
class BridgeFlow:
    """Tokens locked into (``lock``) or released from (``release``) a bridge escrow."""

    kind: FlowKind
    escrow: str
    token: str
    party: str
    amount: int
    tx_hash: str
    tx_index: int
    log_index: int
    recipient: str = ""  # who the lock is for on the other side ("" = not named)


def _word(log: LogRecord, where: str) -> bytes | None:
    index = int(where[1:])
    if where[0] == "t":
        return bytes.fromhex(log.topics[index][2:]) if index < len(log.topics) else None
    chunk = log.data[32 * index: 32 * index + 32]
    return chunk if len(chunk) == 32 else None


def bridge_flow(log: LogRecord) -> BridgeFlow | None:
    """The flow one log describes, or None when it is no known bridge event."""
    spec = _BY_TOPIC.get(log.topic0 or "")
    if spec is None:
        return None
    token, party, amount = (_word(log, spec.token), _word(log, spec.party),
                            _word(log, spec.amount))
    if token is None or party is None or amount is None:
        return None  # same topic0, other layout: not this event
    recipient = _word(log, spec.recipient) if spec.recipient else None
    return BridgeFlow(spec.kind, log.address.lower(), "0x" + token[12:].hex(),
                      "0x" + party[12:].hex(), int.from_bytes(amount, "big"), log.tx_hash,
                      log.tx_index, log.log_index,
                      "0x" + recipient[12:].hex() if recipient is not None else "")


def bridge_flows(block: BlockBundle) -> list[BridgeFlow]:
    """Every bridge lock/release of a block, in log order."""
    return [f for f in map(bridge_flow, block.logs) if f is not None]
