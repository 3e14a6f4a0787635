"""What a recorded node answers: every result serialised once, looked up per request.

``RecordedIndex`` holds the blocks by number and hash, transactions by hash, and the
revealed head; ``answer(method, params)`` returns a JSON result as bytes or raises
``RpcFailure`` with a JSON-RPC error code, as a node would. ``NodeProfile`` says how the
node behaves where real nodes differ (missing methods, pending subscriptions).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

from hafeniq_chain.chain.recorded_blocks import Json, RecordedBlock

# NOTE: the code served for an address the recording proves to be a contract (it emitted
# a log, was created, or ran code) when the real bytecode was not recorded: INVALID.
CONTRACT_MARKER = "0xfe"
_TAGS = ("latest", "pending", "safe", "finalized")
_PENDING_MODES = ("full", "hashes", "refuse-full", "none")


class RpcFailure(Exception):
    """A JSON-RPC error answer."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


@dataclass(frozen=True)
class NodeProfile:
    """How the node behaves. ``pending``: ``full`` honours the full-transaction flag of
    ``newPendingTransactions`` (Anvil, geth); ``hashes`` sends hashes whatever was asked
    (ganache); ``refuse-full`` rejects the flag but serves hashes (Hardhat 2); ``none``
    refuses the subscription. ``missing`` methods answer -32601 (method not found)."""

    chain_id: int = 1
    client_version: str = "hafeniq-recorded/1"
    missing: frozenset[str] = frozenset()
    pending: str = "full"
    # NOTE: the error a missing method gets; nodes word (and number) it differently.
    missing_code: int = -32601
    missing_message: str = "the method {method} does not exist/is not available"

    def __post_init__(self) -> None:
        if self.pending not in _PENDING_MODES:
            raise ValueError(f"pending must be one of {_PENDING_MODES}, not {self.pending!r}")

    @classmethod
    def like(cls, kind: str, chain_id: int = 1) -> NodeProfile:
        """The behaviour of ``anvil``, ``hardhat`` (2.x) or ``ganache`` (7.x), as observed."""
        lacks = frozenset({"eth_getBlockReceipts", "trace_block", "debug_traceBlockByNumber"})
        profiles = {
            "anvil": cls(chain_id, "anvil/v1.7.1"),
            "hardhat": cls(chain_id, "HardhatNetwork/2.29.1", lacks, "refuse-full", -32004,
                           "Method {method} is not supported"),
            "ganache": cls(chain_id, "Ganache/v7.9.2", lacks, "hashes", -32700,
                           "The method {method} does not exist/is not available"),
        }
        return profiles[kind]

    def check_subscription(self, kind: str, args: Sequence[Any]) -> None:
        if kind in ("newHeads", "logs"):
            return
        if kind != "newPendingTransactions":
            raise RpcFailure(-32602, f"unsupported subscription type {kind!r}")
        if self.pending == "none":
            raise RpcFailure(-32601, "newPendingTransactions is not supported")
        if self.pending == "refuse-full" and args:  # NOTE: Hardhat refuses true and false
            raise RpcFailure(-32602, f"invalid type: boolean `{str(args[0]).lower()}`, "
                             "expected struct LogFilterOptions")


@dataclass
class _Served:
    number: int
    full: bytes
    hashes: bytes
    header: bytes
    receipts: bytes
    traces: bytes | None
    call_traces: bytes | None
    logs: list[tuple[bytes, Json]] = field(default_factory=list)
    pending: list[tuple[bytes, Json]] = field(default_factory=list)


def _intrinsic_gas(tx: Json, number: int) -> int:
    data = bytes.fromhex(str(tx.get("input") or "0x")[2:])
    nonzero = 68 if number < 9_069_000 else 16  # NOTE: EIP-2028 (Istanbul) repriced calldata
    gas = 21_000 + sum(nonzero if b else 4 for b in data)
    for entry in tx.get("accessList") or []:
        gas += 2_400 + 1_900 * len(entry.get("storageKeys") or [])
    return gas


def _contracts(block: RecordedBlock) -> set[str]:
    """Addresses the recording proves hold code (see CONTRACT_MARKER)."""
    found: set[str] = set()
    number = block.number
    for tx, receipt in zip(block.block.get("transactions") or [], block.receipts, strict=True):
        found.update(str(lg["address"]).lower() for lg in receipt.get("logs") or [])
        if receipt.get("contractAddress"):
            found.add(str(receipt["contractAddress"]).lower())
        elif tx.get("to") and int(receipt.get("gasUsed") or "0x0", 16) > _intrinsic_gas(
                tx, number):
            found.add(str(tx["to"]).lower())
    return found


class RecordedIndex:
    """Blocks by number and hash, transactions by hash, the revealed head."""

    def __init__(self, blocks: Sequence[RecordedBlock], profile: NodeProfile) -> None:
        if not blocks:
            raise ValueError("a recorded node needs at least one block")
        self.profile = profile
        ordered = sorted(blocks, key=lambda b: b.number)
        self.numbers = [b.number for b in ordered]
        self.recorded = ordered
        self.position = {n: i for i, n in enumerate(self.numbers)}
        self.by_hash = {b.hash: b.number for b in ordered}
        self.txs: dict[str, tuple[int, bytes, bytes, bytes]] = {}
        self.codes: dict[str, str] = {}
        self.served = {b.number: self._serve(b) for b in ordered}
        self.revealed = 0
        self._methods: dict[str, Callable[[list[Any]], bytes]] = {
            "eth_chainId": lambda p: orjson.dumps(hex(self.profile.chain_id)),
            "net_version": lambda p: orjson.dumps(str(self.profile.chain_id)),
            "web3_clientVersion": lambda p: orjson.dumps(self.profile.client_version),
            "eth_syncing": lambda p: b"false",
            "eth_blockNumber": lambda p: orjson.dumps(hex(max(self.head, 0))),
            "eth_getBlockByNumber": lambda p: self._block(self._number(p[0]), p[1:]),
            "eth_getBlockByHash": lambda p: self._block(self.by_hash.get(p[0].lower()), p[1:]),
            "eth_getBlockReceipts": lambda p: self._field(self._number(p[0]), "receipts"),
            "eth_getTransactionByHash": lambda p: self._tx(p[0], 1),
            "eth_getTransactionReceipt": lambda p: self._tx(p[0], 2),
            "eth_getCode": lambda p: orjson.dumps(self.codes.get(p[0].lower(), "0x")),
            "trace_block": lambda p: self._trace(self._number(p[0]), "traces"),
            "debug_traceBlockByNumber": self._debug_trace,
        }

    def _serve(self, b: RecordedBlock) -> _Served:
        txs = b.block.get("transactions") or []
        header = {k: v for k, v in b.block.items() if k not in ("transactions", "uncles")}
        served = _Served(
            number=b.number, full=orjson.dumps(b.block),
            hashes=orjson.dumps({**b.block, "transactions": [tx["hash"] for tx in txs]}),
            header=orjson.dumps(header), receipts=orjson.dumps(b.receipts),
            traces=None if b.traces is None else orjson.dumps(b.traces),
            call_traces=None if b.call_traces is None else orjson.dumps(b.call_traces))
        for tx, receipt in zip(txs, b.receipts, strict=True):
            pending = {**tx, "blockHash": None, "blockNumber": None, "transactionIndex": None}
            self.txs[tx["hash"].lower()] = (b.number, orjson.dumps(tx), orjson.dumps(receipt),
                                            orjson.dumps(pending))
            served.pending.append((orjson.dumps(tx["hash"]), {"full": orjson.dumps(pending)}))
            served.logs += [(orjson.dumps(lg), lg) for lg in receipt.get("logs") or []]
        self.codes.update({a: CONTRACT_MARKER for a in _contracts(b)})
        self.codes.update(b.codes)
        return served

    # --- the head -------------------------------------------------------------------------

    @property
    def head(self) -> int:
        """The highest revealed block (one below the first recorded one before any)."""
        return self.numbers[self.revealed - 1] if self.revealed else self.numbers[0] - 1

    def reveal_to(self, count: int) -> None:
        self.revealed = max(self.revealed, min(count, len(self.numbers)))

    def replace_from(self, blocks: Sequence[RecordedBlock]) -> None:
        """A reorg: every block from the lowest of ``blocks`` on is replaced by ``blocks``,
        all revealed; the orphaned blocks and their transactions are gone."""
        first = min(b.number for b in blocks)
        for gone in (b for b in self.recorded if b.number >= first):
            self.by_hash.pop(gone.hash, None)
            self.served.pop(gone.number, None)
            for tx in gone.block.get("transactions") or []:
                self.txs.pop(tx["hash"].lower(), None)
        kept = [b for b in self.recorded if b.number < first]
        self.recorded = kept + sorted(blocks, key=lambda b: b.number)
        self.numbers = [b.number for b in self.recorded]
        self.position = {n: i for i, n in enumerate(self.numbers)}
        for block in blocks:
            self.served[block.number] = self._serve(block)
            self.by_hash[block.hash] = block.number
        self.revealed = len(self.numbers)

    def upcoming(self, count: int) -> list[int]:
        return self.numbers[self.revealed:self.revealed + count]

    def visible(self, number: int | None) -> bool:
        return number is not None and self.position.get(number, len(self.numbers)) < self.revealed

    # --- answers --------------------------------------------------------------------------

    def answer(self, method: str, params: list[Any]) -> bytes:
        handler = self._methods.get(method)
        if method in self.profile.missing:
            raise RpcFailure(self.profile.missing_code,
                             self.profile.missing_message.format(method=method))
        if handler is None:
            raise RpcFailure(-32601, f"the method {method} does not exist/is not available")
        return handler(params)

    def _number(self, ref: Any) -> int | None:
        if isinstance(ref, dict):
            ref = ref.get("blockHash") or ref.get("blockNumber")
        if ref in _TAGS:
            return self.head
        if ref == "earliest":
            return self.numbers[0]
        if isinstance(ref, str) and len(ref) == 66:
            return self.by_hash.get(ref.lower())
        return int(ref, 16) if isinstance(ref, str) else int(ref)

    def _block(self, number: int | None, rest: list[Any]) -> bytes:
        if number is None or not self.visible(number):
            return b"null"
        served = self.served[number]
        return served.full if rest and rest[0] else served.hashes

    def _field(self, number: int | None, name: str) -> bytes:
        if number is None or not self.visible(number):
            return b"null"
        value: bytes = getattr(self.served[number], name)
        return value

    def _trace(self, number: int | None, name: str) -> bytes:
        if number is not None and self.visible(number) and getattr(
                self.served[number], name) is None:
            raise RpcFailure(-32000, f"no {name} recorded for block {number}")
        return self._field(number, name)

    def _debug_trace(self, params: list[Any]) -> bytes:
        options = params[1] if len(params) > 1 else {}
        if not isinstance(options, dict) or options.get("tracer") != "callTracer":
            raise RpcFailure(-32602, "only the callTracer was recorded")
        return self._trace(self._number(params[0]), "call_traces")

    def _tx(self, tx_hash: str, part: int) -> bytes:
        found = self.txs.get(tx_hash.lower())
        if found is None:
            return b"null"
        if self.visible(found[0]):
            return found[1] if part == 1 else found[2]
        # NOTE: announced as pending but not yet in a revealed block.
        return found[3] if part == 1 and self.position[found[0]] == self.revealed else b"null"

    # --- notifications --------------------------------------------------------------------

    def header_bytes(self, number: int) -> bytes:
        return self.served[number].header

    def pending_of(self, number: int) -> list[tuple[bytes, Json]]:
        return self.served[number].pending

    def pending_payload(self, tx_hash: bytes, fields: Json, flag: Any) -> bytes:
        """The full pending transaction when asked for and honoured, else its hash."""
        full: bytes = fields["full"]
        return full if self.profile.pending == "full" and flag is True else tx_hash

    def logs_of(self, number: int) -> list[tuple[bytes, Json]]:
        return self.served[number].logs

    @staticmethod
    def log_matches(log: Json, wanted: Any) -> bool:
        """The ``eth_subscribe("logs", filter)`` match: address, then topics by position."""
        if not isinstance(wanted, dict):
            return True
        addresses = wanted.get("address")
        if addresses:
            allowed = [addresses] if isinstance(addresses, str) else addresses
            if str(log["address"]).lower() not in {a.lower() for a in allowed}:
                return False
        topics = log.get("topics") or []
        for i, want in enumerate(wanted.get("topics") or []):
            if want is None:
                continue
            options = [want] if isinstance(want, str) else want
            if i >= len(topics) or topics[i].lower() not in {o.lower() for o in options}:
                return False
        return True
