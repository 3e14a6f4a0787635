"""Bridge drain on plain data: share of the escrow, outflow rate, learned normal, leads."""

from __future__ import annotations

import random

import pytest
from eth_abi import encode

from hafeniq_chain.config import Settings
from hafeniq_chain.core.reasons import ReasonCode
from hafeniq_chain.detect.base import DetectionContext
from hafeniq_chain.detect.bridge.bridge_drain import BridgeDrainDetector
from hafeniq_chain.detect.bridge.incident_links import links
from tests.support.blocks import BlockBuilder, addr, run_blocks, word

ESCROW, TOKEN, RELAYER, THIEF = addr(0xE5), addr(0x70), addr(0x1E), addr(0xBAD)
BALANCE = 5_000_000 * 10**6
WITHDRAWAL = "Withdrawal(address,address,uint256,uint256,bytes32)"


class FixedBalances:
    """A BalanceSource answering from a table (None = unknown)."""

    def __init__(self, balance: int | None) -> None:
        self.balance = balance

    async def opening(self, escrow: str, token: str, before_block: int) -> int | None:
        return self.balance


def _release(b: BlockBuilder, sender: str, recipient: str, amount: int) -> str:
    h = b.tx(sender, ESCROW)
    b.transfer(h, TOKEN, ESCROW, recipient, amount)
    b.log(h, ESCROW, WITHDRAWAL, [word("address", TOKEN), word("address", recipient)],
          encode(["uint256", "uint256", "bytes32"], [amount, 10, b"\x01" * 32]))
    return h


def _benign(n_blocks: int, seed: int = 1) -> list[BlockBuilder]:
    """One relayed withdrawal per block, 0.001%..0.5% of the escrow (log-uniform)."""
    rng = random.Random(seed)
    blocks = []
    for n in range(1, n_blocks + 1):
        b = BlockBuilder(n, n * 12)
        _release(b, RELAYER, addr(1000 + n), int(BALANCE * 10 ** rng.uniform(-5, -2.3)))
        blocks.append(b)
    return blocks


def test_first_drain_tx_flagged_with_its_share_and_a_lead() -> None:
    det, ctx = BridgeDrainDetector(balances=FixedBalances(BALANCE)), DetectionContext(1)
    blocks = _benign(60)
    drain = BlockBuilder(61, 61 * 12)
    drain_tx = _release(drain, THIEF, THIEF, BALANCE // 20)
    findings = run_blocks([det], [b.bundle() for b in [*blocks, drain]], ctx)
    assert len(findings) == 1
    f = findings[0]
    assert f.tx_hashes == (drain_tx,) and THIEF in f.entities and ESCROW in f.entities
    assert f.reason_codes == (ReasonCode.BRIDGE_OUTFLOW_SPIKE,)
    share = next(d for d in f.deltas if d.feature == "outflow_share_of_escrow")
    assert 0.04 < share.observed < 0.06 and share.baseline is not None and share.baseline < 0.01
    assert f.details["correlation_key"].startswith(f"bridge:1:{ESCROW}")
    lead = links(ctx).take_leads()
    assert [(ld.tx_hash, ld.holder, ld.amount) for ld in lead] == [(drain_tx, THIEF,
                                                                    BALANCE // 20)]


def test_near_miss_outflow_under_the_share_floor_raises_nothing() -> None:
    det = BridgeDrainDetector(balances=FixedBalances(BALANCE))
    blocks = _benign(60)
    big = BlockBuilder(61, 61 * 12)
    _release(big, RELAYER, addr(7), BALANCE // 100)  # 1%: large, but within normal
    assert run_blocks([det], [b.bundle() for b in [*blocks, big]]) == []


def test_rate_surge_without_known_balance_needs_four_outflows() -> None:
    def burst(k: int) -> int:
        det = BridgeDrainDetector(balances=FixedBalances(None))
        b = BlockBuilder(1, 12)
        for i in range(k):
            _release(b, addr(50 + i), addr(50 + i), 10**6)
        return len(run_blocks([det], [b.bundle()]))

    assert burst(3) == 0
    assert burst(4) == 1


def test_flagged_outflows_never_become_the_baseline() -> None:
    det = BridgeDrainDetector(balances=FixedBalances(BALANCE * 10))
    blocks = []
    for n in range(1, 25):  # the same 3% outflow again and again
        b = BlockBuilder(n, n * 12)
        _release(b, THIEF, THIEF, BALANCE * 10 * 3 // 100)
        blocks.append(b.bundle())
    findings = run_blocks([det], blocks)
    assert len(findings) == len(blocks)
    last = next(d for d in findings[-1].deltas if d.feature == "outflow_share_of_escrow")
    assert last.baseline == 0.0  # nothing learned from flagged outflows


def test_escrow_known_from_watch_config_without_bridge_events() -> None:
    settings = Settings(watch=[{"address": ESCROW, "kind": "bridge"}]).detection()
    b = BlockBuilder(1, 12)
    h = b.tx(THIEF, ESCROW)
    b.transfer(h, TOKEN, ESCROW, THIEF, BALANCE // 10)  # a plain transfer, no bridge event
    det = BridgeDrainDetector.from_settings(settings)
    det.balances = FixedBalances(BALANCE)
    findings = run_blocks([det], [b.bundle()])
    assert [f.tx_hashes for f in findings] == [(h,)]
    assert run_blocks([BridgeDrainDetector(balances=FixedBalances(BALANCE))], [b.bundle()]) == []


DEPOSIT = "Deposit(address,address,uint256,uint256,address,uint256)"


def _deposit(b: BlockBuilder, sender: str, amount: int, recipient: str | None = None,
             escrow: str = ESCROW) -> None:
    h = b.tx(sender, escrow)
    b.transfer(h, TOKEN, sender, escrow, amount)
    b.log(h, escrow, DEPOSIT, [word("address", TOKEN), word("address", sender)],
          encode(["uint256", "uint256", "address", "uint256"],
                 [amount, 56, recipient or sender, 1]))


@pytest.mark.parametrize(("deposited", "to", "released", "flagged"), [
    (BALANCE // 10, "user", BALANCE // 10 * 99 // 100, False),    # matched, fee taken
    (BALANCE // 10, "named", BALANCE // 10, False),                # the lock named it
    (BALANCE // 10, "other", BALANCE // 10, True),                 # someone else's deposit
    (BALANCE // 100, "user", BALANCE // 10, True),                 # 10x what was locked
    (0, "user", BALANCE // 10, True),                              # nothing locked at all
])
def test_a_release_is_proven_only_by_a_matching_earlier_deposit(
        deposited: int, to: str, released: int, flagged: bool) -> None:
    user, named, other = addr(0x11), addr(0x12), addr(0x13)
    counterpart = addr(0xE6)
    lock = BlockBuilder(1, 12)
    if deposited:  # on the counterpart bridge, naming ``named`` when asked to
        _deposit(lock, user, deposited, named if to == "named" else None, counterpart)
    later = BlockBuilder(50, 600)
    recipient = {"user": user, "named": named, "other": other}[to]
    h = _release(later, RELAYER, recipient, released)
    findings = run_blocks([BridgeDrainDetector(balances=FixedBalances(BALANCE))],
                          [lock.bundle(), later.bundle()])
    assert [f.tx_hashes for f in findings] == ([(h,)] if flagged else [])
    if flagged:
        matched = next(d for d in findings[0].deltas if d.feature == "unmatched_share_of_flagged")
        assert matched.observed == 1.0
