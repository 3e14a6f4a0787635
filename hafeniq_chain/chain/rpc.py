"""JSON-RPC access through web3.py providers, returning raw dicts, with URL failover.

Raw dicts (hex strings) skip web3's per-field formatting, which dominates backfill
cost; batching block + receipts requests keeps round trips low. On a transport error
the client rotates to the next configured URL with exponential backoff.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import aiohttp
from web3 import AsyncHTTPProvider

from hafeniq_chain.log import get_logger

log = get_logger(__name__)


class RpcError(RuntimeError):
    """The node answered with an error, or no configured URL answered at all."""


_TRANSPORT_ERRORS = (OSError, TimeoutError, aiohttp.ClientError, ValueError)


def _provider(url: str, timeout_s: float) -> AsyncHTTPProvider:
    # NOTE: web3's own retries are off: failover across URLs is ours, with backoff.
    return AsyncHTTPProvider(url, exception_retry_configuration=None,
                             request_kwargs={"timeout": aiohttp.ClientTimeout(total=timeout_s)})


def _http_equivalent(url: str) -> str:
    """Anvil and most nodes serve HTTP and WS on the same port; requests go over HTTP."""
    if url.startswith("ws://"):
        return "http://" + url[len("ws://"):]
    if url.startswith("wss://"):
        return "https://" + url[len("wss://"):]
    return url


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
        self._providers: dict[str, Any] = {}

    @property
    def url(self) -> str:
        return self.urls[self._active]

    def _current(self) -> Any:
        url = self.url
        if url not in self._providers:
            self._providers[url] = _provider(url, self.timeout_s)
        return self._providers[url]

    async def _with_failover(self, call: Any) -> Any:
        attempts = self.max_rounds * len(self.urls)
        for attempt in range(attempts):
            try:
                return await call(self._current())
            except RpcError:
                raise
            except _TRANSPORT_ERRORS as exc:
                failed = self.url
                self._active = (self._active + 1) % len(self.urls)
                log.warning("rpc.failover", failed=failed, next=self.url, error=repr(exc)[:200],
                            attempt=attempt + 1)
                await asyncio.sleep(min(self.backoff_s * 2 ** (attempt // len(self.urls)), 5.0))
        raise RpcError(f"no RPC URL answered after {attempts} attempts: {self.urls}")

    async def request(self, method: str, params: list[Any]) -> Any:
        """One call; node-side errors raise RpcError with the node's message."""
        async def call(provider: Any) -> Any:
            return await provider.make_request(method, params)
        response = await self._with_failover(call)
        if "error" in response:
            raise RpcError(f"{method}: {response['error']}")
        return response.get("result")

    async def batch(self, calls: Sequence[tuple[str, list[Any]]]) -> list[Any]:
        """Several calls in one round trip; any error fails the batch (caller re-splits)."""
        if not calls:
            return []

        async def call(provider: Any) -> Any:
            return await provider.make_batch_request(list(calls))
        responses = await self._with_failover(call)
        if isinstance(responses, dict):
            raise RpcError(f"batch rejected: {responses.get('error')}")
        results = []
        for (method, _), response in zip(calls, responses, strict=True):
            if "error" in response:
                raise RpcError(f"{method}: {response['error']}")
            results.append(response.get("result"))
        return results

    async def block_number(self) -> int:
        return int(await self.request("eth_blockNumber", []), 16)

    async def block_with_receipts(self, numbers: Sequence[int]
                                  ) -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
        """Full blocks and their receipts, falling back to per-transaction receipts."""
        calls: list[tuple[str, list[Any]]] = []
        for n in numbers:
            calls += [("eth_getBlockByNumber", [hex(n), True]), ("eth_getBlockReceipts", [hex(n)])]
        try:
            results = await self.batch(calls)
        except RpcError as exc:
            if "eth_getBlockReceipts" not in str(exc):
                raise
            return [await self._receipts_one_by_one(n) for n in numbers]
        out = []
        for i, n in enumerate(numbers):
            block, receipts = results[2 * i], results[2 * i + 1]
            if block is None:
                raise RpcError(f"block {n} not found")
            out.append((block, receipts or []))
        return out

    async def _receipts_one_by_one(self, number: int
                                   ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
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
        for provider in self._providers.values():
            disconnect = getattr(provider, "disconnect", None)
            if disconnect is not None:
                try:
                    await disconnect()
                except Exception as exc:  # closing must never mask the real error
                    log.debug("rpc.close_failed", error=repr(exc))
        self._providers.clear()
