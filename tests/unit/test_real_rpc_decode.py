"""Real mainnet blocks (../shared/data/real-rpc, 2016-2024) through the decoder.

Every log is decoded or kept raw, and each decoded value equals an independent decode:
event signatures written out here, hashed with keccak, data read with ``eth_abi`` directly,
indexed words read by hand. Transfers, swaps, edges and entities built from those logs
are checked against the same independent reading, and every detector runs on the blocks
without an error.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from eth_abi import decode as abi_decode
from eth_utils import keccak

from hafeniq_chain.chain.mempool import pending_from_rpc
from hafeniq_chain.chain.recorded_blocks import RecordedBlock, contiguous
from hafeniq_chain.decode.abi_registry import AbiRegistry
from hafeniq_chain.decode.normalize import normalize_block
from hafeniq_chain.decode.records import BlockBundle
from hafeniq_chain.detect.base import DetectionContext
from hafeniq_chain.detect.pipeline import DetectionPipeline
from hafeniq_chain.detect.registry import build_detectors
from hafeniq_chain.metrics import REGISTRY
from hafeniq_chain.store.rows import prepare_batch
from tests.conftest import SHARED_DATA
from tests.support.real_rpc import real_rpc_blocks

# Each event: its signature and its parameters in order, "*" marking the indexed ones.
EVENTS: list[tuple[str, list[str]]] = [
    ("Transfer(address,address,uint256)", ["*from", "*to", "value"]),  # ERC-20
    ("Transfer(address,address,uint256)", ["*from", "*to", "*tokenId"]),  # ERC-721
    ("Transfer(address,address,uint256)", ["from", "to", "value"]),  # pre-standard token
    ("Approval(address,address,uint256)", ["*owner", "*spender", "value"]),
    ("ApprovalForAll(address,address,bool)", ["*owner", "*operator", "approved"]),
    ("Sync(uint112,uint112)", ["reserve0", "reserve1"]),
    ("Swap(address,uint256,uint256,uint256,uint256,address)",
     ["*sender", "amount0In", "amount1In", "amount0Out", "amount1Out", "*to"]),
    ("Swap(address,address,int256,int256,uint160,uint128,int24)",
     ["*sender", "*recipient", "amount0", "amount1", "sqrtPriceX96", "liquidity", "tick"]),
    ("Deposit(address,uint256)", ["*dst", "wad"]),
    ("Withdrawal(address,uint256)", ["*src", "wad"]),
    ("Mint(address,uint256,uint256)", ["*sender", "amount0", "amount1"]),
    ("Burn(address,uint256,uint256,address)", ["*sender", "amount0", "amount1", "*to"]),
    ("Collect(address,address,int24,int24,uint128,uint128)",
     ["*owner", "recipient", "*tickLower", "*tickUpper", "amount0", "amount1"]),
]
TRANSFER = "0x" + keccak(text="Transfer(address,address,uint256)").hex()


def _types(signature: str) -> list[str]:
    return signature[signature.index("(") + 1:-1].split(",")


def independent_decode(topics: list[str], data: bytes) -> dict[str, Any] | None:
    """The args of a known log read without the project's decoder, None if unknown."""
    for signature, params in EVENTS:
        indexed = [p[1:] for p in params if p.startswith("*")]
        if ("0x" + keccak(text=signature).hex(), len(indexed)) != (topics[0], len(topics) - 1):
            continue
        type_of = {p.lstrip("*"): t for p, t in zip(params, _types(signature), strict=True)}
        out: dict[str, Any] = {}
        for name, topic in zip(indexed, topics[1:], strict=True):
            word, typ = bytes.fromhex(topic[2:]), type_of[name]
            out[name] = ("0x" + word[12:].hex() if typ == "address"
                         else int.from_bytes(word, "big", signed=typ.startswith("int")))
        data_names = [p for p in params if not p.startswith("*")]
        values = abi_decode([type_of[n] for n in data_names], data)
        out.update({n: v.lower() if isinstance(v, str) else v
                    for n, v in zip(data_names, values, strict=True)})
        return out
    return None


@pytest.fixture(scope="module")
def blocks() -> list[RecordedBlock]:
    if not (SHARED_DATA / "real-rpc").exists():
        pytest.skip("../shared/data/real-rpc is not present beside this checkout")
    return real_rpc_blocks(SHARED_DATA)


@pytest.fixture(scope="module")
def bundles(blocks: list[RecordedBlock]) -> list[BlockBundle]:
    registry = AbiRegistry.load()
    errors = REGISTRY.get_sample_value("hafeniq_decode_errors_total", {"kind": "log"}) or 0
    out = [normalize_block(1, b.block, b.receipts, registry) for b in blocks]
    assert (REGISTRY.get_sample_value("hafeniq_decode_errors_total", {"kind": "log"})
            or 0) == errors, "a known event failed to decode on real data"
    return out


def _logs(block: RecordedBlock) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    for receipt in block.receipts:
        for raw in receipt["logs"]:
            yield receipt, raw


def test_the_recordings_cover_what_matters(blocks: list[RecordedBlock]) -> None:
    """The cases below are really exercised (not vacuously true)."""
    assert [b.number for b in blocks] == [0, 1_755_635, 4_662_649, 17_000_000, 20_000_000]
    types = {tx.get("type") for b in blocks for tx in b.block["transactions"]}
    assert {"0x0", "0x1", "0x2", "0x3"} <= types  # (no type-4 transaction recorded yet)
    assert any("root" in r and "status" not in r for b in blocks for r in b.receipts)
    assert sum(r.get("status") == "0x0" for b in blocks for r in b.receipts) == 10
    shapes = {len(raw["topics"]) for b in blocks for _, raw in _logs(b)
              if raw["topics"][:1] == [TRANSFER]}
    assert {1, 3, 4} <= shapes


def test_every_log_decoded_as_independently_read_or_kept_raw(
        blocks: list[RecordedBlock], bundles: list[BlockBundle]) -> None:
    registry = AbiRegistry.load()
    checked = raw_kept = 0
    for block, bundle in zip(blocks, bundles, strict=True):
        stored = {lg.log_index: lg for lg in bundle.logs}
        assert len(stored) == sum(1 for _ in _logs(block))
        for _, raw in _logs(block):
            record = stored[int(raw["logIndex"], 16)]
            assert record.topics == tuple(t.lower() for t in raw["topics"])
            assert record.data == bytes.fromhex(raw["data"][2:])
            expected = independent_decode(raw["topics"], record.data) if raw["topics"] else None
            if expected is not None:
                assert record.decoded == expected, (block.number, raw["logIndex"])
                checked += 1
            elif record.event_name is None:
                # kept raw: the registry really has no event of this shape
                assert not raw["topics"] or (raw["topics"][0], len(raw["topics"]) - 1) \
                    not in registry.events
                raw_kept += 1
    assert checked >= 440 and raw_kept >= 40


def test_erc20_vs_erc721_transfer_by_topic_count(bundles: list[BlockBundle]) -> None:
    """3 topics: ERC-20 value moved (a token transfer, an edge); 4 topics: an NFT id, never
    an amount; 1 topic (pre-standard token): every argument in data, still a transfer."""
    for bundle in bundles:
        token_moves = {t.position for t in bundle.transfers if t.token}
        for lg in bundle.logs:
            if lg.topic0 != TRANSFER:
                continue
            position = f"log:{lg.log_index}"
            if len(lg.topics) == 4:
                assert lg.decoded is not None and "tokenId" in lg.decoded
                assert position not in token_moves
            else:
                assert lg.decoded is not None and position in token_moves
                move = next(t for t in bundle.transfers if t.position == position)
                assert (move.from_addr, move.to_addr, move.amount, move.token) == (
                    lg.decoded["from"], lg.decoded["to"], lg.decoded["value"], lg.address)


def test_reverted_transactions_have_no_logs_and_move_no_value(
        bundles: list[BlockBundle]) -> None:
    for bundle in bundles:
        failed = {tx.hash for tx in bundle.transactions if tx.status == 0}
        assert not [lg for lg in bundle.logs if lg.tx_hash in failed]
        assert not [t for t in bundle.transfers if t.tx_hash in failed]


def test_transactions_types_creations_and_pre_byzantium(
        blocks: list[RecordedBlock], bundles: list[BlockBundle]) -> None:
    for block, bundle in zip(blocks, bundles, strict=True):
        for tx, raw, receipt in zip(bundle.transactions, block.block["transactions"],
                                    block.receipts, strict=True):
            assert tx.tx_type == (int(raw["type"], 16) if "type" in raw else None)
            assert tx.status == (int(receipt["status"], 16) if "status" in receipt else None)
            assert tx.max_fee == (int(raw["maxFeePerGas"], 16) if "maxFeePerGas" in raw
                                  else None)
            assert tx.effective_gas_price == int(receipt["effectiveGasPrice"], 16)
            if raw["to"] is None:
                assert tx.to_addr is None and tx.contract_address == receipt["contractAddress"]
    created = [tx for b in bundles for tx in b.transactions if tx.to_addr is None]
    assert len(created) == 1
    batch = prepare_batch([b for b in bundles if b.number == 4_662_649])
    kinds = dict(zip(batch.entities.addresses, batch.entities.kinds, strict=True))
    assert kinds[created[0].contract_address] == "contract"
    assert kinds[created[0].from_addr] == "eoa"
    # pre-Byzantium: the status is unknown (NULL), not "failed": its value still moved
    old = next(b for b in bundles if b.number == 1_755_635)
    assert [tx.status for tx in old.transactions] == [None, None]
    assert sorted(t.position for t in old.transfers) == ["log:0", "tx"]


def test_swaps_from_real_logs(bundles: list[BlockBundle]) -> None:
    """One swap per Uniswap V2/V3 Swap log, amounts as the log says, tokens from the
    pool's transfers."""
    v2 = "0x" + keccak(text="Swap(address,uint256,uint256,uint256,uint256,address)").hex()
    v3 = "0x" + keccak(text="Swap(address,address,int256,int256,uint160,uint128,int24)").hex()
    counts = {17_000_000: (17, 3), 20_000_000: (32, 4)}
    for bundle in bundles:
        # NOTE: other protocols' swaps (Balancer, Curve, V4) may be decoded too; these
        # are the Uniswap V2/V3-shaped ones
        swaps = {s.position: s for s in bundle.swaps
                 if s.protocol in ("uniswap_v2", "uniswap_v3")}
        logs = [lg for lg in bundle.logs if lg.topic0 in (v2, v3)]
        assert (sum(lg.topic0 == v2 for lg in logs), sum(lg.topic0 == v3 for lg in logs)) \
            == counts.get(bundle.number, (0, 0))
        assert len(swaps) == len(logs)
        for lg in logs:
            swap, args = swaps[f"log:{lg.log_index}"], lg.decoded
            assert args is not None and swap.pool == lg.address and swap.error is None
            if lg.topic0 == v2:
                assert swap.protocol == "uniswap_v2"
                ins = {args["amount0In"], args["amount1In"]} - {0}
                outs = {args["amount0Out"], args["amount1Out"]} - {0}
            else:
                assert swap.protocol == "uniswap_v3"
                ins = {a for a in (args["amount0"], args["amount1"]) if a > 0}
                outs = {-a for a in (args["amount0"], args["amount1"]) if a < 0}
            assert swap.amount_in in ins and swap.amount_out in outs
            assert swap.token_in != swap.token_out


def test_edges_and_entities_from_real_logs(bundles: list[BlockBundle]) -> None:
    for bundle in bundles[1:]:
        batch = prepare_batch([bundle])
        edges = {(e[2], e[3]): e for e in batch.rows["edge_events"]}
        for t in bundle.transfers:
            edge = edges[(t.tx_hash, t.position)]
            assert edge[4:9] == (t.from_addr, t.to_addr, "erc20" if t.token else "native",
                                 t.token, t.amount)
        approvals = [lg for lg in bundle.logs if lg.event_name == "Approval"
                     and lg.decoded and "spender" in lg.decoded]
        for lg in approvals:
            assert lg.decoded is not None
            edge = edges[(lg.tx_hash, f"log:{lg.log_index}")]
            assert edge[4:9] == (lg.decoded["owner"], lg.decoded["spender"], "approve",
                                 lg.address, lg.decoded["value"])
        senders = {tx.from_addr for tx in bundle.transactions}
        kinds = dict(zip(batch.entities.addresses, batch.entities.kinds, strict=True))
        assert all(kinds[s] == "eoa" for s in senders)
        assert {lg.address for lg in bundle.logs} <= set(kinds)


def test_every_detector_runs_on_real_blocks(blocks: list[RecordedBlock],
                                            bundles: list[BlockBundle]) -> None:
    """Each recorded block, then 60 consecutive blocks of their contents (so detectors with
    windows and warm-ups get past them), with each transaction first seen pending."""
    registry = AbiRegistry.load()
    chain = contiguous(blocks[1:], 1_000, 60)

    async def run() -> int:
        pipeline = DetectionPipeline(build_detectors(), DetectionContext(1))
        for bundle in bundles:
            await pipeline.detect_block(bundle)
        for block in chain:
            for tx in block.block["transactions"][:20]:
                await pipeline.detect_pending(pending_from_rpc(tx))
            await pipeline.detect_block(normalize_block(1, block.block, block.receipts,
                                                        registry))
        return pipeline.failures

    assert asyncio.run(run()) == 0
