"""Start-up check of the configured node(s): reachable, JSON-RPC, and the right chain.

Without it, an unreachable or non-Ethereum URL made the follower retry silently for minutes,
and a node of another chain (ganache's 1337 under ``chain_id = 31337``) was indexed under
the wrong chain id. Each URL is asked ``eth_chainId`` once with a short timeout:

* any URL serving another chain is fatal (failing over to it would mix two chains);
* no URL answering correctly is fatal, with each URL's reason;
* some URLs down while one answers is a warning (``chain.node_probe_failed``).

Requests go to the HTTP equivalent of a ws:// URL, as ``RpcClient`` does. This module talks
to the node with aiohttp directly so that it can tell refused connections, timeouts, HTTP
errors and non-JSON answers apart, which the failover client deliberately does not.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

import aiohttp
import orjson

from hafeniq_chain.core.settings import ChainSettings
from hafeniq_chain.core.startup import StartupError, redact_url
from hafeniq_chain.log import get_logger

log = get_logger(__name__)
PROBE_TIMEOUT_S = 5.0


class NodeUnusable(StartupError):
    """No configured node can be followed, or one serves another chain."""


class _Reason(Exception):
    """Why one URL cannot be used (the message is shown to the user)."""


@dataclass(frozen=True)
class NodeInfo:
    url: str
    chain_id: int
    head: int


def _http(url: str) -> str:
    if url.startswith("ws"):
        return "http" + url[2:]
    return url


async def _call(session: aiohttp.ClientSession, url: str, method: str) -> object:
    body = orjson.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": []})
    async with session.post(_http(url), data=body,
                            headers={"Content-Type": "application/json"}) as response:
        raw = await response.read()
        if response.status >= 400 and not raw.strip().startswith(b"{"):
            raise _Reason(f"answered HTTP {response.status}, not JSON-RPC")
    try:
        answer = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise _Reason(f"is not a JSON-RPC endpoint (answer starts {raw[:40]!r})") from None
    if not isinstance(answer, dict) or ("result" not in answer and "error" not in answer):
        raise _Reason(f"is not a JSON-RPC endpoint (answer {str(answer)[:60]})")
    if "error" in answer:
        raise _Reason(f"refused {method}: {str(answer['error'])[:120]}")
    return answer["result"]


async def _probe_one(url: str, timeout_s: float) -> NodeInfo:
    timeout = aiohttp.ClientTimeout(total=timeout_s)
    try:
        async with aiohttp.ClientSession(timeout=timeout) as session:
            chain_id = await _call(session, url, "eth_chainId")
            head = await _call(session, url, "eth_blockNumber")
            return NodeInfo(url, int(str(chain_id), 16), int(str(head), 16))
    except _Reason:
        raise
    except TimeoutError:
        raise _Reason(f"did not answer within {timeout_s:g} s") from None
    except aiohttp.ClientConnectorError as exc:
        why = ("connection refused" if isinstance(exc.os_error, ConnectionRefusedError)
               else exc.os_error.strerror or str(exc))
        raise _Reason(f"cannot be reached ({why})") from None
    except (aiohttp.ClientError, OSError, ValueError) as exc:
        raise _Reason(f"cannot be used ({type(exc).__name__}: {exc})") from None


async def probe_nodes(urls: Sequence[str], expected_chain_id: int,
                      timeout_s: float = PROBE_TIMEOUT_S) -> NodeInfo:
    """The first usable node; NodeUnusable when none is, or when one serves another chain."""
    results = await asyncio.gather(*(_probe_one(u, timeout_s) for u in urls),
                                   return_exceptions=True)
    usable: list[NodeInfo] = []
    problems: list[str] = []
    for url, result in zip(urls, results, strict=True):
        shown = redact_url(url)
        if isinstance(result, NodeInfo):
            if result.chain_id != expected_chain_id:
                raise NodeUnusable(
                    f"node {shown} serves chain id {result.chain_id} but chain.chain_id is "
                    f"{expected_chain_id}: point --rpc at a node of chain {expected_chain_id}"
                    f" or set chain.chain_id = {result.chain_id}")
            usable.append(result)
        elif isinstance(result, _Reason):
            problems.append(f"{shown} {result}")
        else:
            raise result  # a bug, not a node problem: keep the traceback
    if not usable:
        raise NodeUnusable("no usable node: " + "; ".join(problems)
                           + " (check chain.rpc_urls / --rpc, or add --wait)")
    for problem in problems:
        log.warning("chain.node_probe_failed", problem=problem)
    best = usable[0]
    log.info("chain.node_ok", url=redact_url(best.url), chain_id=best.chain_id,
             head=best.head)
    return best


async def check_node(chain: ChainSettings, *, wait: bool = False) -> NodeInfo:
    """``probe_nodes`` for the configured chain; with ``wait``, retried until a node is usable
    (``chain.node_waiting`` logged each time; a wrong chain is retried too, since the user
    asked to wait, e.g. for a node that is being replaced)."""
    attempt = 0
    while True:
        try:
            return await probe_nodes(chain.rpc_urls, chain.chain_id,
                                     timeout_s=min(chain.rpc_timeout_s, PROBE_TIMEOUT_S))
        except NodeUnusable as exc:
            if not wait:
                raise
            attempt += 1
            log.warning("chain.node_waiting", reason=str(exc), attempt=attempt)
            await asyncio.sleep(min(0.5 * 2 ** min(attempt, 5), 10.0))
