"""The pipelined follower's stages on real mainnet blocks served by the recorded node.

Fetching ahead stays bounded and in block order and decodes exactly what the one-step
fetch decodes; a block hook that fails stops the pipelined follower at the same cursor as
the sequential one (the batch written behind the failing detection is rolled back).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import asyncpg
import pytest

from hafeniq_chain.chain.follower import Follower
from hafeniq_chain.chain.indexer import BlockIndexer
from hafeniq_chain.chain.pipeline import FetchAhead
from hafeniq_chain.chain.recorded_blocks import contiguous, transaction_count
from hafeniq_chain.chain.recorded_node import RecordedNode
from hafeniq_chain.chain.rpc import RpcClient
from hafeniq_chain.decode.records import BlockBundle
from tests.integration.test_backfill_matches_follower import second_pool
from tests.support.real_rpc import real_rpc_blocks

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]
__all__ = ["second_pool"]  # the fixture, imported to be used here


class HookFailed(RuntimeError):
    """Raised by the test's block hook."""


async def test_fetch_ahead_is_bounded_ordered_and_decodes_alike(shared_data: Path,
                                                                pool: asyncpg.Pool) -> None:
    busy = [b for b in real_rpc_blocks(shared_data) if transaction_count([b]) >= 100]
    chain = contiguous(busy, 1, 14)
    async with RecordedNode(chain, revealed=len(chain)) as node:
        indexer = BlockIndexer(RpcClient([node.http_url]), pool, 1)
        with ThreadPoolExecutor(1) as decoder:
            fetch = FetchAhead(indexer, 1, 14, batch_size=4, depth=2, decoder=decoder)
            seen: list[int] = []
            while (fetched := await fetch.next()) is not None:
                assert len(fetch.in_flight) <= 2
                numbers = [b.number for b in fetched.bundles]
                assert fetched.batch.numbers == numbers
                assert fetched.bundles == await indexer.fetch(numbers)
                seen += numbers
            await fetch.close()
        await indexer.rpc.close()
    assert seen == list(range(1, 15))


async def test_failing_hook_stops_both_followers_at_the_same_cursor(
        shared_data: Path, pool: asyncpg.Pool, second_pool: asyncpg.Pool) -> None:
    busy = [b for b in real_rpc_blocks(shared_data) if transaction_count([b]) >= 100]
    chain = contiguous(busy, 1, 12)
    cursors = []
    async with RecordedNode(chain, revealed=len(chain)) as node:
        for db, ahead in ((pool, 0), (second_pool, 2)):
            detected: list[int] = []

            async def hook(bundle: BlockBundle, detected: list[int] = detected) -> None:
                detected.append(bundle.number)
                if bundle.number == 6:
                    raise HookFailed(bundle.number)

            indexer = BlockIndexer(RpcClient([node.http_url]), db, 1)
            follower = Follower(indexer, start_block=1, batch_size=3, ahead=ahead,
                                hooks=[hook])
            with pytest.raises(HookFailed):
                await follower.catch_up()
            follower.close()
            await indexer.rpc.close()
            assert detected == [1, 2, 3, 4, 5, 6]
            cursors.append(await db.fetchval("SELECT block_number FROM cursors"))
            assert await db.fetchval("SELECT max(number) FROM blocks") == cursors[-1]
    assert cursors == [6, 6]
