"""Fund tracing on plain data: drain -> hops -> bridge deposit, and peel chains."""

from __future__ import annotations

from pathlib import Path

from eth_abi import encode

from hafeniq_chain.core.reasons import ReasonCode
from hafeniq_chain.detect.base import DetectionContext
from hafeniq_chain.detect.bridge.bridge_drain import BridgeDrainDetector
from hafeniq_chain.detect.bridge.fund_tracing import FundTracingDetector
from hafeniq_chain.detect.bridge.incident_links import Lead, links
from hafeniq_chain.detect.bridge.labelled_funds import FeedLabels
from hafeniq_chain.store.labels import parse_label_feed
from tests.support.blocks import BlockBuilder, addr, run_blocks, word

ESCROW, TOKEN, THIEF = addr(0xE5), addr(0x70), addr(0xBAD)
AMOUNT = 500_000 * 10**6
DEPOSIT = "Deposit(address,address,uint256,uint256,address,uint256)"
WITHDRAWAL = "Withdrawal(address,address,uint256,uint256,bytes32)"


class FixedBalances:
    async def opening(self, escrow: str, token: str, before_block: int) -> int | None:
        return 5_000_000 * 10**6


def _drain_then_hops(hops: int, gap_s: int) -> tuple[list[BlockBuilder], list[str], list[str]]:
    """Drain into THIEF, ``hops`` transfers through fresh wallets, then a bridge deposit."""
    b = BlockBuilder(10, 1_000)
    drain = b.tx(THIEF, ESCROW)
    b.transfer(drain, TOKEN, ESCROW, THIEF, AMOUNT)
    b.log(drain, ESCROW, WITHDRAWAL, [word("address", TOKEN), word("address", THIEF)],
          encode(["uint256", "uint256", "bytes32"], [AMOUNT, 10, b"\x00" * 32]))
    blocks, txs, path = [b], [drain], [THIEF]
    for i in range(hops):
        nxt = addr(0xF000 + i)
        b = BlockBuilder(11 + i, 1_000 + (i + 1) * gap_s)
        h = b.tx(path[-1], TOKEN)
        b.transfer(h, TOKEN, path[-1], nxt, AMOUNT)
        blocks.append(b)
        txs.append(h)
        path.append(nxt)
    b = BlockBuilder(11 + hops, 1_000 + (hops + 1) * gap_s)
    h = b.tx(path[-1], ESCROW)
    b.transfer(h, TOKEN, path[-1], ESCROW, AMOUNT)
    b.log(h, ESCROW, DEPOSIT, [word("address", TOKEN), word("address", path[-1])],
          encode(["uint256", "uint256", "address", "uint256"], [AMOUNT, 56, path[-1], 1]))
    blocks.append(b)
    txs.append(h)
    return blocks, txs, path


def _run(blocks: list[BlockBuilder]) -> list:  # type: ignore[type-arg]
    detectors = [BridgeDrainDetector(balances=FixedBalances()), FundTracingDetector()]
    return [f for f in run_blocks(detectors, [b.bundle() for b in blocks])
            if f.detector == "fund_tracing"]


def test_hops_into_a_bridge_deposit_list_the_whole_path() -> None:
    blocks, txs, path = _drain_then_hops(3, gap_s=300)
    findings = _run(blocks)
    assert len(findings) == 1
    f = findings[0]
    assert f.reason_codes == (ReasonCode.LAUNDERING_HOPS,)
    assert f.tx_hashes == tuple(txs)                      # drain, hop, hop, hop, deposit
    assert f.entities == (THIEF, *path[1:], ESCROW)       # addresses in hop order
    assert [h["to"] for h in f.details["hops"]] == [*path, ESCROW]
    assert f.details["correlation_key"].startswith(f"bridge:1:{ESCROW}")
    hops = next(d for d in f.deltas if d.feature == "hops_to_bridge")
    assert hops.observed == 4


def test_too_slow_or_too_many_hops_is_not_followed_to_the_bridge() -> None:
    assert _run(_drain_then_hops(3, gap_s=7_200)[0]) == []   # beyond T = 6 h
    kinds = [f.kind for f in _run(_drain_then_hops(8, gap_s=60)[0])]
    assert "laundering_hops" not in kinds                   # beyond H = 6 hops
    assert kinds == ["peel_chain"]  # but a walk through 5 fresh wallets is itself reported


def _fan_out(k: int) -> list:  # type: ignore[type-arg]
    ctx = DetectionContext(chain_id=1)
    links(ctx).publish(Lead("0xdrain", 0, 5, 500, TOKEN, THIEF, AMOUNT, "k", "test"))
    b = BlockBuilder(6, 560)
    for i in range(k):
        h = b.tx(THIEF, TOKEN)
        b.transfer(h, TOKEN, THIEF, addr(0xA000 + i), AMOUNT // 10)
    return run_blocks([FundTracingDetector()], [b.bundle()], ctx)


def test_fan_out_into_fresh_addresses_is_a_peel_chain() -> None:
    assert _fan_out(4) == []
    findings = _fan_out(5)
    assert [f.reason_codes for f in findings] == [(ReasonCode.PEEL_CHAIN,)]
    assert len(findings[0].details["fresh_addresses"]) == 5
    assert findings[0].tx_hashes[0] == "0xdrain"


def _drain_then_hop_to(destination: str) -> list[BlockBuilder]:
    """Drain into THIEF, THIEF -> a fresh wallet -> ``destination`` (no bridge)."""
    blocks, _, path = _drain_then_hops(1, gap_s=60)
    blocks = blocks[:-1]  # no bridge deposit
    b = BlockBuilder(20, 2_000)
    h = b.tx(path[-1], TOKEN)
    b.transfer(h, TOKEN, path[-1], destination, AMOUNT // 2)
    return [*blocks, b]


def test_funds_reaching_a_labelled_exploit_address_raise_labelled_address(
        shared_data: Path) -> None:
    """The Forta labelled dataset as shipped: its exploit and phishing addresses."""
    feed = parse_label_feed(shared_data / "forta-labels" / "labels.json")
    lookup = FeedLabels(feed)  # chain 1, like the blocks here
    exploiter = "0x016e20cad525bfb802ae3f12ecbcb64b5ad8410b"  # malicious_contract:exploit

    def run(destination: str) -> list:  # type: ignore[type-arg]
        detectors = [BridgeDrainDetector(balances=FixedBalances()),
                     FundTracingDetector(labels=lookup)]
        return [f for f in run_blocks(detectors, [b.bundle() for b in
                                                 _drain_then_hop_to(destination)])
                if f.detector == "fund_tracing"]

    (hit,) = run(exploiter)
    assert hit.reason_codes == (ReasonCode.LABELLED_ADDRESS,)
    assert hit.details["labels"] == ["exploit"] and exploiter in hit.entities
    assert len(hit.details["hops"]) == 3  # lead, thief -> fresh, fresh -> exploiter
    assert run(addr(0xC0FFEE)) == []  # near-miss: same path, unlabelled destination
