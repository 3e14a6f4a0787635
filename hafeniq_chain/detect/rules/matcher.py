"""Compiling a rule against the ABIs and the watch list, and matching it in a block.

``compile_rule`` turns a ``RuleSpec`` into a ``CompiledRule`` or a list of
``(field, message)`` problems (every one, so ``config check`` shows them all at once).
``CompiledRule.matches`` yields one ``Match`` per event log, call frame or transaction the
rule selects, with the environment its condition and templates see.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from eth_utils.crypto import keccak

from hafeniq_chain.decode.abi_registry import AbiDecodeError, AbiRegistry
from hafeniq_chain.decode.records import BlockBundle, TxRecord
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

    env: dict[str, Any]
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

    def _base(self, address: str, block: int, tx: TxRecord | None) -> dict[str, Any]:
        txf = tx_fields(tx) if tx is not None else Fields()
        return {"rule": self.spec.name, "contract": address, "address": address,
                "contract_name": self.names_by_address.get(address, address),
                "block": block, "tx": txf, "caller": txf.get("from_"),
                "allowlist": frozenset(self.spec.allowlist), "lists": Fields(self.lists)}

    def matches(self, bundle: BlockBundle) -> Iterator[Match]:
        """Everything in ``bundle`` this rule selects (condition not yet applied)."""
        txs = {t.hash: t for t in bundle.transactions}
        if self.spec.event:
            yield from self._event_matches(bundle, txs)
        elif self.spec.function:
            yield from self._function_matches(bundle, txs)
        else:
            for tx in bundle.transactions:
                if self.addresses and not ({tx.from_addr, tx.to_addr} & self.addresses):
                    continue
                env = self._base(tx.to_addr or "", bundle.number, tx)
                env.update(tx_fields(tx))
                yield Match(env, tx.hash, tx.to_addr or tx.from_addr, "tx")

    def _event_matches(self, bundle: BlockBundle, txs: dict[str, TxRecord]
                       ) -> Iterator[Match]:
        for log in bundle.logs:
            if log.topic0 not in self.topics or (self.addresses
                                                 and log.address not in self.addresses):
                continue
            args = log.decoded
            name = log.event_name
            if args is None:
                try:
                    decoded = self.registry.decode_log(log.topics, log.data)
                except AbiDecodeError:
                    decoded = None
                name, args = decoded if decoded else (None, {})
            env = self._base(log.address, bundle.number, txs.get(log.tx_hash))
            env.update(_py(args), args=Fields(_py(args)), event=name or self.spec.event,
                       log_index=log.log_index)
            yield Match(env, log.tx_hash, log.address, str(log.log_index))

    def _function_matches(self, bundle: BlockBundle, txs: dict[str, TxRecord]
                          ) -> Iterator[Match]:
        frames: list[tuple[Fields, bytes, str, str | None, dict[str, Any] | None, str]] = []
        for tx in bundle.transactions:
            if tx.selector in self.selectors and tx.to_addr:
                frames.append((Fields(from_=tx.from_addr, to=tx.to_addr, value=tx.value,
                                      status=tx.status, error=None, depth=0,
                                      selector=tx.selector, function=tx.function_name,
                                      internal=False), tx.input, tx.hash, tx.function_name,
                               tx.decoded_args, "call"))
        if self.spec.internal:
            for call in bundle.calls:
                if call.trace_address and call.selector in self.selectors and call.to_addr:
                    frames.append((Fields(
                        from_=call.from_addr, to=call.to_addr, value=call.value,
                        status=0 if call.error else 1, error=call.error,
                        depth=len(call.trace_address), selector=call.selector,
                        function=call.function_name, internal=True), call.input, call.tx_hash,
                        call.function_name, call.decoded_args,
                        "call:" + ".".join(map(str, call.trace_address))))
        for frame, data, tx_hash, name, args, position in frames:
            to = frame["to"]
            if self.addresses and to not in self.addresses:
                continue
            if args is None:
                try:
                    decoded = self.registry.decode_call(data)
                except AbiDecodeError:
                    decoded = None
                name, args = decoded if decoded else (name, {})
            env = self._base(to, bundle.number, txs.get(tx_hash))
            env.update(_py(args), args=Fields(_py(args)), call=frame, caller=frame["from_"],
                       function=name or self.spec.function)
            yield Match(env, tx_hash, to, position)


def compile_rule(spec: RuleSpec, registry: AbiRegistry, watch: Mapping[str, str],
                 lists: Mapping[str, list[str]]) -> CompiledRule:
    """``spec`` checked and resolved; raises RuleProblems with every problem found."""
    return CompiledRule(spec, registry, watch, lists)
