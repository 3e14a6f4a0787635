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


ArgDecoder = Callable[[bytes, int], Any]


def _arg(typ: str) -> ArgDecoder | None:
    """A decoder for one argument at a head offset: a static word, or a dynamic array of
    static words (``address[]`` swap paths, ``uint256[]`` amounts); None otherwise."""
    word = _word(typ)
    if word is not None:
        return lambda data, at: word(data[at:at + 32])
    item = _word(typ[:-2]) if typ.endswith("[]") else None
    if item is None:
        return None

    def array(data: bytes, at: int) -> list[Any]:
        start = int.from_bytes(data[at:at + 32], "big")
        if start + 32 > len(data):
            raise ValueError(f"{typ} offset {start} past {len(data)} bytes")
        count = int.from_bytes(data[start:start + 32], "big")
        first = start + 32
        if first + 32 * count > len(data):
            raise ValueError(f"{typ} of {count} items runs past {len(data)} bytes")
        return [item(data[i:i + 32]) for i in range(first, first + 32 * count, 32)]
    return array


def arg_decoders(types: tuple[str, ...]) -> tuple[ArgDecoder, ...] | None:
    """Per-argument decoders when every type has one (the hot path), else None."""
    decoders = tuple(_arg(t) for t in types)
    return None if any(d is None for d in decoders) else decoders  # type: ignore[return-value]


def _decode_args(names: tuple[str, ...], decoders: tuple[ArgDecoder, ...], data: bytes
                 ) -> dict[str, Any]:
    if len(data) < 32 * len(decoders):
        raise ValueError(f"{len(data)} bytes, need {32 * len(decoders)}")
    return {name: decode(data, 32 * i)
            for i, (name, decode) in enumerate(zip(names, decoders, strict=True))}


@dataclass(frozen=True, slots=True)
class EventSpec:
    """One event's decoding recipe (with a fast path for all-static-word events)."""

    name: str
    topic0: str
    indexed: tuple[tuple[str, str], ...]
    data_names: tuple[str, ...]
    data_types: tuple[str, ...]
    topic_words: tuple[Callable[[bytes], Any] | None, ...] = ()
    data_args: tuple[ArgDecoder, ...] | None = None


@dataclass(frozen=True, slots=True)
class FunctionSpec:
    """One function's decoding recipe (with a fast path for word and word-array arguments)."""

    name: str
    selector: str
    arg_names: tuple[str, ...]
    arg_types: tuple[str, ...]
    args: tuple[ArgDecoder, ...] | None = None


class AbiRegistry:
    """All known events and functions; first registration of a signature wins."""

    def __init__(self) -> None:
        self.events: dict[tuple[str, int], EventSpec] = {}
        self.functions: dict[str, FunctionSpec] = {}
        self._abis: list[list[dict[str, Any]]] = []

    def __reduce__(self) -> tuple[Callable[..., AbiRegistry], tuple[Any, ...]]:
        # NOTE: specs hold closures, which do not pickle; a worker process rebuilds the
        # registry from the same ABIs, in the same order (first registration wins).
        return AbiRegistry.from_abis, (self._abis,)

    @classmethod
    def from_abis(cls, abis: Iterable[list[dict[str, Any]]]) -> AbiRegistry:
        registry = cls()
        for abi in abis:
            registry.add_abi(abi)
        return registry

    @classmethod
    def load(cls, extra_files: Iterable[Path] = (), directory: Path = ABIS_DIR) -> AbiRegistry:
        """The bundled ABIs plus per-watch ABI files from the config."""
        registry = cls()
        for path in [*sorted(directory.glob("*.json")), *extra_files]:
            registry.add_abi(json.loads(path.read_text()))
        return registry

    def add_abi(self, abi: list[dict[str, Any]]) -> None:
        self._abis.append(abi)
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
                         arg_decoders(data_types))
        self.events.setdefault((topic0, len(indexed)), spec)

    def _add_function(self, item: dict[str, Any]) -> None:
        selector = "0x" + function_abi_to_4byte_selector(item).hex()  # type: ignore[arg-type]
        inputs = item["inputs"]
        arg_types = tuple(_canonical_type(p) for p in inputs)
        spec = FunctionSpec(item["name"], selector, tuple(p["name"] for p in inputs),
                            arg_types, arg_decoders(arg_types))
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
            if spec.data_args is not None:
                args.update(_decode_args(spec.data_names, spec.data_args, data))
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
        try:
            if spec.args is not None:
                return spec.name, _decode_args(spec.arg_names, spec.args, data[4:])
            values = abi_decode(spec.arg_types, data[4:])
        except (DecodingError, ValueError, OverflowError) as exc:
            raise AbiDecodeError(f"{spec.name}: {exc}") from exc
        return spec.name, dict(zip(spec.arg_names, (to_jsonable(v) for v in values),
                                   strict=True))
