"""Compiling a rule against the ABIs and the watch list, and matching it in a block.

``compile_rule`` turns a ``RuleSpec`` into a ``CompiledRule`` or a list of
``(field, message)`` problems (every one, so ``config check`` shows them all at once).
``CompiledRule.matches`` yields one ``Match`` per event log, call frame or transaction the
rule selects, with the environment its condition and templates see.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator, Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any

from eth_utils.crypto import keccak

from hafeniq_chain.decode.abi_registry import AbiDecodeError, AbiRegistry
from hafeniq_chain.decode.records import BlockBundle, LogRecord, TxRecord
from hafeniq_chain.detect.rules.expr import CompiledExpr, RuleExprError, compile_expr
from hafeniq_chain.detect.rules.model import RuleSpec
from hafeniq_chain.detect.rules.templates import TemplateError, check_template

TX_FIELDS = ("hash", "from_", "to", "value", "status", "gas", "gas_used", "gas_price", "nonce",
             "selector", "function", "index")
CALL_FIELDS = ("from_", "to", "value", "status", "error", "depth", "selector", "function",
               "internal")
COMMON = ("rule", "contract", "contract_name", "address", "caller", "block", "allowlist")


class Fields(dict[str, Any]):
    """A dict whose keys read as attributes (``tx.from_``) in conditions and templates."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


@dataclass(frozen=True)
class Match:
    """One thing a rule selected, before its condition is applied."""

    env: MutableMapping[str, Any]
    tx_hash: str
    address: str
    position: str  # log index or trace address: makes the finding's dedup key unique


class RuleProblems(ValueError):
    """Every (field, message) wrong with one rule."""

    def __init__(self, rule: str, problems: list[tuple[str, str]]) -> None:
        self.rule, self.problems = rule, problems
        super().__init__("; ".join(f"rule[{rule}].{f}: {m}" for f, m in problems))


def tx_fields(tx: TxRecord) -> Fields:
    return Fields(hash=tx.hash, from_=tx.from_addr, to=tx.to_addr, value=tx.value,
                  status=tx.status, gas=tx.gas, gas_used=tx.gas_used, gas_price=tx.gas_price,
                  nonce=tx.nonce, selector=tx.selector, function=tx.function_name,
                  index=tx.tx_index)


def _py(args: Mapping[str, Any]) -> dict[str, Any]:
    """ABI argument names as conditions spell them (``from`` is ``from_`` in Python)."""
    return {("from_" if k == "from" else k): v for k, v in args.items()}


def _suggest(word: str, options: list[str]) -> str:
    close = difflib.get_close_matches(word, options, n=3)
    return f"; did you mean {', '.join(close)}?" if close else ""


def _signature_hash(text: str, size: int) -> str:
    return "0x" + keccak(text=text.replace(" ", "")).hex()[: 2 * size]


def parse_signature(text: str, kind: str) -> tuple[str, dict[str, Any]] | None:
    """``Name(type [indexed] name, ...)`` -> (canonical signature, ABI item); None when the
    parameters carry no names (``Name(address,uint256)``: match by hash, positional)."""
    match = re.fullmatch(r"\s*(\w+)\s*\((.*)\)\s*", text, re.S)
    if not match or "(" in match.group(2):
        return None  # NOTE: tuple parameters need an ABI file
    name, params = match.group(1), [p.split() for p in match.group(2).split(",") if p.strip()]
    if not params or any(len(p) < 2 for p in params):
        return None
    inputs: list[dict[str, Any]] = [{"type": p[0], "name": p[-1], "indexed": "indexed" in p[1:-1]}
                                    for p in params]
    canonical = f"{name}({','.join(str(i['type']) for i in inputs)})"
    return canonical, {"type": kind, "name": name, "inputs": inputs, "anonymous": False}


class CompiledRule:
    """A rule ready to run: resolved addresses, topics/selectors, checked condition."""

    def __init__(self, spec: RuleSpec, registry: AbiRegistry, watch: Mapping[str, str],
                 lists: Mapping[str, list[str]]) -> None:
        self.spec, self.registry = spec, registry
        self.names_by_address = {a: n for n, a in watch.items()}
        problems: list[tuple[str, str]] = []
        self.addresses = frozenset(self._resolve_addresses(spec, watch, problems))
        self.topics: frozenset[str] = frozenset()
        self.selectors: frozenset[str] = frozenset()
        arg_names: set[str] = set()
        if spec.event:
            self.topics, arg_names = self._resolve_event(spec.event, problems)
        elif spec.function:
            self.selectors, arg_names = self._resolve_function(spec.function, problems)
        names: dict[str, Any] = {n: () for n in COMMON}
        arg_names = set(_py(dict.fromkeys(arg_names)))
        names.update({n: () for n in arg_names}, args=tuple(arg_names), tx=TX_FIELDS,
                     lists=tuple(lists))
        if spec.event:
            names.update(event=(), log_index=())
        elif spec.function:
            names.update(call=CALL_FIELDS, function=())
        else:
            names.update({f: () for f in TX_FIELDS})
        self.lists = {k: frozenset(v) for k, v in lists.items()}
        self.list_fields = Fields(self.lists)
        self.allowlist = frozenset(spec.allowlist)
        self.condition: CompiledExpr | None = None
        if spec.where.strip():
            try:
                self.condition = compile_expr(spec.where, names)
            except RuleExprError as exc:
                problems.append(("where", str(exc)))
        for field in ("title", "message"):
            try:
                check_template(getattr(spec, field), names)
            except TemplateError as exc:
                problems.append((field, str(exc)))
        if problems:
            raise RuleProblems(spec.name, problems)

    @staticmethod
    def _resolve_addresses(spec: RuleSpec, watch: Mapping[str, str],
                           problems: list[tuple[str, str]]) -> list[str]:
        out = []
        for entry in spec.addresses:
            if entry.startswith("0x") and len(entry) == 42:
                out.append(entry.lower())
            elif entry in watch:
                out.append(watch[entry])
            else:
                problems.append(("addresses", f"{entry!r} is neither a 0x address nor a "
                                 f"[[watch]] name{_suggest(entry, list(watch))}"))
        return out

    def _resolve_event(self, text: str, problems: list[tuple[str, str]]
                       ) -> tuple[frozenset[str], set[str]]:
        named = parse_signature(text, "event") if "(" in text else None
        if named is not None:
            text = named[0]
            self.registry.add_abi([named[1]])
        specs = list(self.registry.events.values())
        if "(" in text:
            topic = _signature_hash(text, 32)
            chosen = [s for s in specs if s.topic0 == topic]
            if not chosen:  # NOTE: a signature alone still matches, with positional args
                return frozenset({topic}), set()
        else:
            chosen = [s for s in specs if s.name == text]
            if not chosen:
                problems.append(("event", f"unknown event {text!r} (not in abis/ or a "
                                 f"[[watch]] abi file){_suggest(text, [s.name for s in specs])}"))
        args = {n for s in chosen for n, _ in s.indexed} | {n for s in chosen
                                                            for n in s.data_names}
        return frozenset(s.topic0 for s in chosen), args

    def _resolve_function(self, text: str, problems: list[tuple[str, str]]
                          ) -> tuple[frozenset[str], set[str]]:
        named = parse_signature(text, "function") if "(" in text else None
        if named is not None:
            text = named[0]
            self.registry.add_abi([named[1]])
        specs = list(self.registry.functions.values())
        if text.startswith("0x"):
            if len(text) != 10:
                problems.append(("function", f"{text!r}: a selector is 0x + 8 hex digits"))
            chosen = [s for s in specs if s.selector == text.lower()]
            selectors = frozenset({text.lower()})
        elif "(" in text:
            selectors = frozenset({_signature_hash(text, 4)})
            chosen = [s for s in specs if s.selector in selectors]
        else:
            chosen = [s for s in specs if s.name == text]
            selectors = frozenset(s.selector for s in chosen)
            if not chosen:
                problems.append(("function", f"unknown function {text!r} (not in abis/ or a "
                                 f"[[watch]] abi file){_suggest(text, [s.name for s in specs])}"))
        return selectors, {n for s in chosen for n in s.arg_names}

    def matches(self, block: BlockBundle | BlockIndex) -> Iterator[Match]:
        """Everything in the block this rule selects (condition not yet applied)."""
        index = block if isinstance(block, BlockIndex) else BlockIndex(block)
        if self.spec.event:
            yield from self._event_matches(index)
        elif self.spec.function:
            yield from self._function_matches(index)
        else:
            for tx in index.bundle.transactions:
                if self.addresses and not ({tx.from_addr, tx.to_addr} & self.addresses):
                    continue
                address = tx.to_addr or ""
                env = index.base_env(address, tx.hash)
                env.update(index.tx_fields(tx.hash))
                yield Match(self._scope(address, env), tx.hash, tx.to_addr or tx.from_addr, "tx")

    def _scope(self, address: str, shared: dict[str, Any]) -> dict[str, Any]:
        """What this rule's condition and templates see: its own names over the match's
        (a flat copy: C-speed, where a ChainMap's Python lookups cost more than the copy)."""
        scope = dict(shared)
        scope.update(rule=self.spec.name, allowlist=self.allowlist, lists=self.list_fields,
                     contract_name=self.names_by_address.get(address, address))
        return scope

    def _event_matches(self, index: BlockIndex) -> Iterator[Match]:
        for topic in self.topics:
            for log in index.logs_by_topic.get(topic, ()):
                if self.addresses and log.address not in self.addresses:
                    continue
                env = index.log_env(log, self.registry, self.spec.event or "")
                yield Match(self._scope(log.address, env), log.tx_hash, log.address,
                            str(log.log_index))

    def _function_matches(self, index: BlockIndex) -> Iterator[Match]:
        for selector in self.selectors:
            for frame in index.frames_by_selector.get(selector, ()):
                to = frame.fields["to"]
                if (frame.fields["internal"] and not self.spec.internal) or (
                        self.addresses and to not in self.addresses):
                    continue
                env = index.call_env(frame, self.registry, self.spec.function or "")
                yield Match(self._scope(to, env), frame.tx_hash, to, frame.position)


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
            self._log_args[key] = (name, _py(args))
        return self._log_args[key]

    @staticmethod
    def call_args(frame: Frame, registry: AbiRegistry) -> tuple[str | None, dict[str, Any]]:
        if frame.decoded is None:
            try:
                decoded = registry.decode_call(frame.data)
            except AbiDecodeError:
                decoded = None
            frame.decoded = (decoded[0], _py(decoded[1])) if decoded else (
                frame.fields["function"], {})
        return frame.decoded


def _decoded(name: str | None, args: dict[str, Any] | None
             ) -> tuple[str | None, dict[str, Any]] | None:
    return (name, _py(args)) if args is not None else None


def compile_rule(spec: RuleSpec, registry: AbiRegistry, watch: Mapping[str, str],
                 lists: Mapping[str, list[str]]) -> CompiledRule:
    """``spec`` checked and resolved; raises RuleProblems with every problem found."""
    return CompiledRule(spec, registry, watch, lists)
