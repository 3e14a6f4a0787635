"""A block grouped once for every rule: logs by topic, calls by selector, decoded arguments
and the names a match sees, each built at most once per block.

Why: with many rules, each rule scanning the whole block and decoding the same logs and calls
again cost more than the conditions themselves (see ``bench/rules_bench.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hafeniq_chain.decode.abi_registry import AbiDecodeError, AbiRegistry
from hafeniq_chain.decode.records import BlockBundle, LogRecord, TxRecord


class Fields(dict[str, Any]):
    """A dict whose keys read as attributes (``tx.from_``) in conditions and templates."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def tx_fields(tx: TxRecord) -> Fields:
    return Fields(hash=tx.hash, from_=tx.from_addr, to=tx.to_addr, value=tx.value,
                  status=tx.status, gas=tx.gas, gas_used=tx.gas_used, gas_price=tx.gas_price,
                  nonce=tx.nonce, selector=tx.selector, function=tx.function_name,
                  index=tx.tx_index)


def py_names(args: Mapping[str, Any]) -> dict[str, Any]:
    """ABI argument names as conditions spell them (``from`` is ``from_`` in Python)."""
    return {("from_" if k == "from" else k): v for k, v in args.items()}


@dataclass
class Frame:
    """One call (a transaction's top-level call or an internal one) in a block."""

    fields: Fields
    data: bytes
    tx_hash: str
    position: str
    decoded: tuple[str | None, dict[str, Any]] | None = None
    env: dict[str, Any] | None = None


class BlockIndex:
    """One block grouped for every rule at once: logs by topic, calls by selector, the
    fields of each transaction and every decoding done once (not once per rule)."""

    def __init__(self, bundle: BlockBundle, selectors: frozenset[str] | None = None) -> None:
        """``selectors``: the only call selectors any rule asks for (None: all)."""
        self.bundle = bundle
        self.txs = {t.hash: t for t in bundle.transactions}
        self.logs_by_topic: dict[str, list[LogRecord]] = {}
        for log in bundle.logs:
            if log.topic0:
                self.logs_by_topic.setdefault(log.topic0, []).append(log)
        self.frames_by_selector: dict[str, list[Frame]] = {}
        for tx in bundle.transactions:
            selector = tx.selector
            if selector and tx.to_addr and (selectors is None or selector in selectors):
                self._add(selector, Frame(Fields(
                    from_=tx.from_addr, to=tx.to_addr, value=tx.value, status=tx.status,
                    error=None, depth=0, selector=selector, function=tx.function_name,
                    internal=False), tx.input, tx.hash, "call", _decoded(tx.function_name,
                                                                         tx.decoded_args)))
        for call in bundle.calls:
            if not call.trace_address or not call.to_addr or len(call.input) < 4:
                continue
            selector = call.selector
            if selector and (selectors is None or selector in selectors):
                self._add(selector, Frame(Fields(
                    from_=call.from_addr, to=call.to_addr, value=call.value,
                    status=0 if call.error else 1, error=call.error,
                    depth=len(call.trace_address), selector=selector,
                    function=call.function_name, internal=True), call.input, call.tx_hash,
                    "call:" + ".".join(map(str, call.trace_address)),
                    _decoded(call.function_name, call.decoded_args)))
        self._tx_fields: dict[str, Fields] = {}
        self._log_args: dict[int, tuple[str | None, dict[str, Any]]] = {}
        self._log_env: dict[int, dict[str, Any]] = {}

    def base_env(self, address: str, tx_hash: str) -> dict[str, Any]:
        txf = self.tx_fields(tx_hash)
        return {"contract": address, "address": address, "block": self.bundle.number,
                "tx": txf, "caller": txf.get("from_")}

    def log_env(self, log: LogRecord, registry: AbiRegistry, fallback: str) -> dict[str, Any]:
        """The names an event rule sees for ``log`` (built once per log, shared by rules)."""
        env = self._log_env.get(log.log_index)
        if env is None:
            name, args = self.log_args(log, registry)
            env = self.base_env(log.address, log.tx_hash)
            env.update(args, args=Fields(args), event=name or fallback,
                       log_index=log.log_index)
            self._log_env[log.log_index] = env
        return env

    def call_env(self, frame: Frame, registry: AbiRegistry, fallback: str) -> dict[str, Any]:
        """The names a function rule sees for ``frame`` (built once per call frame)."""
        if frame.env is None:
            name, args = self.call_args(frame, registry)
            env = self.base_env(frame.fields["to"], frame.tx_hash)
            env.update(args, args=Fields(args), call=frame.fields,
                       caller=frame.fields["from_"], function=name or fallback)
            frame.env = env
        return frame.env

    def _add(self, selector: str, frame: Frame) -> None:
        self.frames_by_selector.setdefault(selector, []).append(frame)

    def tx_fields(self, tx_hash: str) -> Fields:
        fields = self._tx_fields.get(tx_hash)
        if fields is None:
            tx = self.txs.get(tx_hash)
            fields = self._tx_fields[tx_hash] = tx_fields(tx) if tx else Fields()
        return fields

    def log_args(self, log: LogRecord, registry: AbiRegistry
                 ) -> tuple[str | None, dict[str, Any]]:
        key = log.log_index
        if key not in self._log_args:
            name, args = log.event_name, log.decoded
            if args is None:
                try:
                    decoded = registry.decode_log(log.topics, log.data)
                except AbiDecodeError:
                    decoded = None
                name, args = decoded if decoded else (None, {})
            self._log_args[key] = (name, py_names(args))
        return self._log_args[key]

    @staticmethod
    def call_args(frame: Frame, registry: AbiRegistry) -> tuple[str | None, dict[str, Any]]:
        if frame.decoded is None:
            try:
                decoded = registry.decode_call(frame.data)
            except AbiDecodeError:
                decoded = None
            frame.decoded = (decoded[0], py_names(decoded[1])) if decoded else (
                frame.fields["function"], {})
        return frame.decoded


def _decoded(name: str | None, args: dict[str, Any] | None
             ) -> tuple[str | None, dict[str, Any]] | None:
    return (name, py_names(args)) if args is not None else None
