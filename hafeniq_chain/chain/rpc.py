"""JSON-RPC over HTTP returning raw dicts (or raw response bytes), with URL failover.

Raw dicts (hex strings) skip web3's per-field formatting and orjson parses a response
several times faster than the standard library, which matters because a busy block
with its receipts is ~300 KiB of JSON. ``batch_raw`` returns the undecoded body so a
worker process can parse it (``parse_batch``) off the event loop. On a transport error
the client rotates to the next configured URL with exponential backoff.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import aiohttp
import orjson

from hafeniq_chain.log import get_logger

log = get_logger(__name__)

Call = tuple[str, list[Any]]


class RpcError(RuntimeError):
    """The node answered with an error, or no configured URL answered at all."""


class ReceiptsUnsupported(RpcError):
    """The node has no ``eth_getBlockReceipts``: receipts must be fetched one by one."""


class MethodUnsupported(RpcError):
    """The node has no such method (JSON-RPC -32601, or the same said in words)."""


_MISSING_WORDS = ("not supported", "does not exist", "not available", "method not found",
                  "unsupported method", "not implemented")


def method_missing(error: Any) -> bool:
    """Whether a JSON-RPC error object says the method is unknown to the node (nodes differ:
    Hardhat says "not supported", ganache "does not exist/is not available", geth -32601)."""
    if isinstance(error, dict):
        if error.get("code") == -32601:
            return True
        error = error.get("message", "")
    return any(words in str(error).lower() for words in _MISSING_WORDS)


def error_for(method: str, error: Any) -> RpcError:
    """The RpcError subclass a node's error answer to ``method`` means."""
    if method == "eth_getBlockReceipts":
        return ReceiptsUnsupported(f"{method}: {error}")
    if method_missing(error):
        return MethodUnsupported(f"{method}: {error}")
    return RpcError(f"{method}: {error}")


class NotJson(ValueError):
    """An answer that is no JSON-RPC at all (an HTML error page, garbage): fail over."""


# NOTE: a URL answering garbage is as unusable as one not answering: both fail over.
_FAILOVER_ERRORS = (OSError, TimeoutError, aiohttp.ClientError, NotJson,
                    orjson.JSONDecodeError)
T = TypeVar("T")


def json_shaped(body: bytes) -> bytes:
    """``body`` if it can be a JSON object or array (cheap: the full parse may happen in a
    worker process), else NotJson."""
    stripped = body.strip()
    if stripped[:1] not in (b"[", b"{") or stripped[-1:] not in (b"]", b"}"):
        raise NotJson(f"not a JSON-RPC answer: {body[:80]!r}")
    return body


def _http_equivalent(url: str) -> str:
    """Anvil and most nodes serve HTTP and WS on the same port; requests go over HTTP."""
    if url.startswith("ws://"):
        return "http://" + url[len("ws://"):]
    if url.startswith("wss://"):
        return "https://" + url[len("wss://"):]
    return url


def batch_body(calls: Sequence[Call]) -> bytes:
    """The JSON-RPC batch request for ``calls`` (ids are positions)."""
    return orjson.dumps([{"jsonrpc": "2.0", "id": i, "method": method, "params": params}
                         for i, (method, params) in enumerate(calls)])


def parse_batch(methods: Sequence[str], body: bytes) -> list[Any]:
    """Results of a batch response in request order; any error fails the whole batch."""
    try:
        responses = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise RpcError(f"unparseable batch response: {exc}") from exc
    if isinstance(responses, dict):
        raise RpcError(f"batch rejected: {responses.get('error')}")
    if len(responses) != len(methods):
        raise RpcError(f"batch of {len(methods)} calls got {len(responses)} answers")
    # NOTE: JSON-RPC lets a server answer a batch in any order; ids are positions.
    results: list[Any] = [None] * len(methods)
    for response in responses:
        position = response.get("id")
        if not isinstance(position, int) or not 0 <= position < len(methods):
            raise RpcError(f"batch answer with unknown id {position!r}")
        if "error" in response:
            raise error_for(methods[position], response["error"])
        results[position] = response.get("result")
    return results


def block_calls(numbers: Sequence[int]) -> list[Call]:
    """Full block + block receipts for each number, interleaved."""
    calls: list[Call] = []
    for n in numbers:
        calls += [("eth_getBlockByNumber", [hex(n), True]), ("eth_getBlockReceipts", [hex(n)])]
    return calls


def pair_blocks(numbers: Sequence[int], results: Sequence[Any]
                ) -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """Interleaved ``block_calls`` results -> (block, receipts) per number."""
    out = []
    for i, n in enumerate(numbers):
        block, receipts = results[2 * i], results[2 * i + 1]
        if block is None:
            raise RpcError(f"block {n} not found")
        out.append((block, receipts or []))
    return out


class RpcClient:
    """Request/response RPC (over HTTP) across several URLs, failing over in order.

    WebSocket URLs are used for subscriptions (``subscriptions.py``); their requests go
    to the same node's HTTP endpoint, which Anvil and common nodes serve on one port.
    """

    def __init__(self, urls: Sequence[str], *, max_rounds: int = 3,
                 backoff_s: float = 0.2, timeout_s: float = 10.0) -> None:
        if not urls:
            raise ValueError("at least one RPC URL is required")
        self.urls = [_http_equivalent(u) for u in urls]
        self.max_rounds = max_rounds
        self.backoff_s = backoff_s
        self.timeout_s = timeout_s
        self._active = 0
        self._session: aiohttp.ClientSession | None = None

    @property
    def url(self) -> str:
        return self.urls[self._active]

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            # NOTE: no total timeout: a batch of many busy blocks may stream for a while;
            # the read timeout still catches a node that stops answering.
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(sock_connect=self.timeout_s,
                                              sock_read=self.timeout_s),
                headers={"Content-Type": "application/json"})
        return self._session

    async def _post(self, body: bytes, read: Callable[[bytes], T]) -> T:
        """POST ``body`` to the active URL and ``read`` the answer, failing over on
        transport errors and on answers ``read`` finds unusable."""
        attempts = self.max_rounds * len(self.urls)
        for attempt in range(attempts):
            try:
                async with self._client().post(self.url, data=body) as response:
                    response.raise_for_status()
                    return read(await response.read())
            except _FAILOVER_ERRORS as exc:
                failed = self.url
                self._active = (self._active + 1) % len(self.urls)
                log.warning("rpc.failover", failed=failed, next=self.url, error=repr(exc)[:200],
                            attempt=attempt + 1)
                await asyncio.sleep(min(self.backoff_s * 2 ** (attempt // len(self.urls)), 5.0))
        raise RpcError(f"no RPC URL answered after {attempts} attempts: {self.urls}")

    async def request(self, method: str, params: list[Any]) -> Any:
        """One call; node-side errors raise RpcError with the node's message."""
        body = orjson.dumps({"jsonrpc": "2.0", "id": 0, "method": method, "params": params})
        response = await self._post(body, orjson.loads)
        if not isinstance(response, dict):
            raise RpcError(f"{method}: unexpected answer {str(response)[:200]}")
        if "error" in response:
            raise error_for(method, response["error"])
        return response.get("result")

    async def batch_raw(self, calls: Sequence[Call]) -> bytes:
        """Several calls in one round trip, the answer left undecoded (see ``parse_batch``)."""
        return await self._post(batch_body(calls), json_shaped)

    async def batch(self, calls: Sequence[Call]) -> list[Any]:
        """Several calls in one round trip; any error fails the batch (caller re-splits)."""
        if not calls:
            return []
        return parse_batch([m for m, _ in calls], await self.batch_raw(calls))

    async def block_number(self) -> int:
        return int(await self.request("eth_blockNumber", []), 16)

    async def block_with_receipts(self, numbers: Sequence[int]
                                  ) -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
        """Full blocks and their receipts, falling back to per-transaction receipts."""
        try:
            return pair_blocks(numbers, await self.batch(block_calls(numbers)))
        except ReceiptsUnsupported:
            return [await self.receipts_one_by_one(n) for n in numbers]

    async def receipts_one_by_one(self, number: int
                                  ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """A full block and its receipts for nodes without ``eth_getBlockReceipts``."""
        block = await self.request("eth_getBlockByNumber", [hex(number), True])
        if block is None:
            raise RpcError(f"block {number} not found")
        receipts = await self.batch(
            [("eth_getTransactionReceipt", [tx["hash"]]) for tx in block["transactions"]])
        return block, receipts

    async def block_hashes(self, numbers: Sequence[int]) -> dict[int, str | None]:
        """Canonical hashes by number (None where the node has no such block)."""
        results = await self.batch([("eth_getBlockByNumber", [hex(n), False]) for n in numbers])
        return {n: (r["hash"].lower() if r else None) for n, r in zip(numbers, results,
                                                                       strict=True)}

    async def codes(self, addresses: Sequence[str], block: str = "latest") -> dict[str, bytes]:
        results = await self.batch([("eth_getCode", [a, block]) for a in addresses])
        return {a: bytes.fromhex(r[2:]) for a, r in zip(addresses, results, strict=True)}

    async def close(self) -> None:
        if self._session is not None:
            try:
                await self._session.close()
            except Exception as exc:  # closing must never mask the real error
                log.debug("rpc.close_failed", error=repr(exc))
            self._session = None
