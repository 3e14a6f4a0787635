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

from hafeniq_chain.decode.abi_registry import AbiRegistry
from hafeniq_chain.decode.records import BlockBundle
from hafeniq_chain.detect.rules.block_index import BlockIndex, Fields, py_names
from hafeniq_chain.detect.rules.expr import CompiledExpr, RuleExprError, compile_expr
from hafeniq_chain.detect.rules.model import RuleSpec
from hafeniq_chain.detect.rules.templates import TemplateError, check_template

TX_FIELDS = ("hash", "from_", "to", "value", "status", "gas", "gas_used", "gas_price", "nonce",
             "selector", "function", "index")
CALL_FIELDS = ("from_", "to", "value", "status", "error", "depth", "selector", "function",
               "internal")
COMMON = ("rule", "contract", "contract_name", "address", "caller", "block", "allowlist")


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
        arg_names = set(py_names(dict.fromkeys(arg_names)))
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


def compile_rule(spec: RuleSpec, registry: AbiRegistry, watch: Mapping[str, str],
                 lists: Mapping[str, list[str]]) -> CompiledRule:
    """``spec`` checked and resolved; raises RuleProblems with every problem found."""
    return CompiledRule(spec, registry, watch, lists)
