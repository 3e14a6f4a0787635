"""ABI registry: events by (topic0, indexed count), calls by 4-byte selector.

Why (topic0, indexed count): ERC-20 and ERC-721 ``Transfer`` share a topic0 and differ
only in how many arguments are indexed. Specs are precomputed once so decoding a log
is one dictionary lookup and one ``eth_abi.decode`` call.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eth_abi.abi import decode as abi_decode
from eth_abi.exceptions import DecodingError
from eth_utils.abi import event_abi_to_log_topic, function_abi_to_4byte_selector

ABIS_DIR = Path(__file__).resolve().parents[2] / "abis"


class AbiDecodeError(ValueError):
    """A known event or function whose bytes do not match its ABI."""


def _canonical_type(param: dict[str, Any]) -> str:
    """ABI JSON type -> canonical type string (tuples spelled out)."""
    typ: str = param["type"]
    if typ.startswith("tuple"):
        inner = ",".join(_canonical_type(c) for c in param["components"])
        return f"({inner}){typ[len('tuple'):]}"
    return typ


def to_jsonable(value: Any) -> Any:
    """Decoded ABI values -> JSON-ready Python (bytes as 0x-hex, addresses lower-case)."""
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, str):
        return value.lower() if value.startswith("0x") and len(value) == 42 else value
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    return value


def _word(typ: str) -> Callable[[bytes], Any] | None:
    """A decoder for one 32-byte word of a static elementary type, or None if not one."""
    if typ == "address":
        return lambda w: "0x" + w[12:].hex()
    if typ == "bool":
        return lambda w: w[-1] != 0
    if typ.startswith("uint"):
        return lambda w: int.from_bytes(w, "big")
    if typ.startswith("int"):
        return lambda w: int.from_bytes(w, "big", signed=True)
    if typ == "bytes32":
        return lambda w: "0x" + w.hex()
    return None


def word_decoders(types: tuple[str, ...]) -> tuple[Callable[[bytes], Any], ...] | None:
    """Per-word decoders when every type is a static elementary one (the hot path)."""
    decoders = tuple(_word(t) for t in types)
    return None if any(d is None for d in decoders) else decoders  # type: ignore[return-value]


@dataclass(frozen=True, slots=True)
class EventSpec:
    """One event's decoding recipe (with a fast path for all-static-word events)."""

    name: str
    topic0: str
    indexed: tuple[tuple[str, str], ...]
    data_names: tuple[str, ...]
    data_types: tuple[str, ...]
    topic_words: tuple[Callable[[bytes], Any] | None, ...] = ()
    data_words: tuple[Callable[[bytes], Any], ...] | None = None


@dataclass(frozen=True, slots=True)
class FunctionSpec:
    """One function's decoding recipe (fast path when every argument is a static word)."""

    name: str
    selector: str
    arg_names: tuple[str, ...]
    arg_types: tuple[str, ...]
    arg_words: tuple[Callable[[bytes], Any], ...] | None = None


class AbiRegistry:
    """All known events and functions; first registration of a signature wins."""

    def __init__(self) -> None:
        self.events: dict[tuple[str, int], EventSpec] = {}
        self.functions: dict[str, FunctionSpec] = {}

    @classmethod
    def load(cls, extra_files: Iterable[Path] = (), directory: Path = ABIS_DIR) -> AbiRegistry:
        """The bundled ABIs plus per-watch ABI files from the config."""
        registry = cls()
        for path in [*sorted(directory.glob("*.json")), *extra_files]:
            registry.add_abi(json.loads(path.read_text()))
        return registry

    def add_abi(self, abi: list[dict[str, Any]]) -> None:
        for item in abi:
            if item.get("type") == "event" and not item.get("anonymous"):
                self._add_event(item)
            elif item.get("type") == "function":
                self._add_function(item)

    def _add_event(self, item: dict[str, Any]) -> None:
        topic0 = "0x" + event_abi_to_log_topic(item).hex()  # type: ignore[arg-type]
        inputs = item["inputs"]
        indexed = tuple((p["name"], _canonical_type(p)) for p in inputs if p.get("indexed"))
        data = [p for p in inputs if not p.get("indexed")]
        data_types = tuple(_canonical_type(p) for p in data)
        spec = EventSpec(item["name"], topic0, indexed, tuple(p["name"] for p in data),
                         data_types, tuple(_word(t) for _, t in indexed),
                         word_decoders(data_types))
        self.events.setdefault((topic0, len(indexed)), spec)

    def _add_function(self, item: dict[str, Any]) -> None:
        selector = "0x" + function_abi_to_4byte_selector(item).hex()  # type: ignore[arg-type]
        inputs = item["inputs"]
        arg_types = tuple(_canonical_type(p) for p in inputs)
        spec = FunctionSpec(item["name"], selector, tuple(p["name"] for p in inputs),
                            arg_types, word_decoders(arg_types))
        self.functions.setdefault(selector, spec)

    def decode_log(self, topics: tuple[str, ...], data: bytes
                   ) -> tuple[str, dict[str, Any]] | None:
        """(event name, args) for a known event, None for an unknown one.

        Raises AbiDecodeError when the event is known but its bytes do not fit.
        """
        if not topics:
            return None
        spec = self.events.get((topics[0], len(topics) - 1))
        if spec is None:
            return None
        try:
            args: dict[str, Any] = {}
            for (name, _), word, topic in zip(spec.indexed, spec.topic_words, topics[1:],
                                              strict=True):
                # NOTE: dynamic indexed values (string, bytes, arrays) are only their hash.
                args[name] = word(bytes.fromhex(topic[2:])) if word else topic
            if spec.data_words is not None:
                if len(data) < 32 * len(spec.data_words):
                    raise ValueError(f"{len(data)} data bytes, need {32 * len(spec.data_words)}")
                for i, (name, word) in enumerate(zip(spec.data_names, spec.data_words,
                                                     strict=True)):
                    args[name] = word(data[32 * i:32 * i + 32])
            elif spec.data_types:
                values = abi_decode(spec.data_types, data)
                args.update(zip(spec.data_names, (to_jsonable(v) for v in values), strict=True))
        except (DecodingError, ValueError, OverflowError) as exc:
            raise AbiDecodeError(f"{spec.name}: {exc}") from exc
        return spec.name, args

    def decode_call(self, data: bytes) -> tuple[str, dict[str, Any]] | None:
        """(function name, args) for a known selector, None otherwise; AbiDecodeError if bad."""
        if len(data) < 4:
            return None
        spec = self.functions.get("0x" + data[:4].hex())
        if spec is None:
            return None
        if spec.arg_words is not None:
            if len(data) < 4 + 32 * len(spec.arg_words):
                raise AbiDecodeError(f"{spec.name}: {len(data) - 4} argument bytes, need "
                                     f"{32 * len(spec.arg_words)}")
            return spec.name, {name: word(data[4 + 32 * i:36 + 32 * i]) for i, (name, word)
                               in enumerate(zip(spec.arg_names, spec.arg_words, strict=True))}
        try:
            values = abi_decode(spec.arg_types, data[4:])
        except (DecodingError, ValueError, OverflowError) as exc:
            raise AbiDecodeError(f"{spec.name}: {exc}") from exc
        return spec.name, dict(zip(spec.arg_names, (to_jsonable(v) for v in values),
                                   strict=True))
