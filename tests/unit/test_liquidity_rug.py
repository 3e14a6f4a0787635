"""Liquidity rugs on plain Uniswap V2 pair logs: birth, swaps, pull."""

from __future__ import annotations

from eth_abi import encode

from hafeniq_chain.core.reasons import ReasonCode
from hafeniq_chain.detect.liquidity.liquidity_rug import LiquidityRugDetector
from tests.support.blocks import BlockBuilder, addr, run_blocks, word

PAIR, ROUTER, RUGGER = addr(0xA1), addr(0x20), addr(0xBAD)
R0, R1 = 500_000 * 10**18, 50 * 10**18


def _sync(b: BlockBuilder, h: str, r0: int, r1: int) -> None:
    b.log(h, PAIR, "Sync(uint112,uint112)", data=encode(["uint112", "uint112"], [r0, r1]))


LP = 10**22
TRANSFER = "Transfer(address,address,uint256)"
APPROVAL = "Approval(address,address,uint256)"


def _approve(b: BlockBuilder, owner: str, value: int) -> None:
    h = b.tx(owner, PAIR)
    b.log(h, PAIR, APPROVAL, [word("address", owner), word("address", ROUTER)],
          encode(["uint256"], [value]))


def _life(removed_share: float, age_s: int, swaps: int = 6) -> list[BlockBuilder]:
    birth = BlockBuilder(10, 10_000)
    h = birth.tx(RUGGER, ROUTER)
    for holder, amount in ((addr(0), 1000), (RUGGER, LP)):  # LP tokens minted, as UniswapV2
        birth.log(h, PAIR, TRANSFER, [word("address", addr(0)), word("address", holder)],
                  encode(["uint256"], [amount]))
    _sync(birth, h, R0, R1)
    birth.log(h, PAIR, "Mint(address,uint256,uint256)", [word("address", ROUTER)],
              encode(["uint256", "uint256"], [R0, R1]))
    blocks = [birth]
    r0, r1 = R0, R1
    for i in range(swaps):
        b = BlockBuilder(11 + i, 10_000 + 12 * (i + 1))
        h = b.tx(addr(0xB000 + i), ROUTER, value=10**18)
        r0, r1 = r0 - 10**21, r1 + 10**18
        _sync(b, h, r0, r1)
        b.log(h, PAIR, "Swap(address,uint256,uint256,uint256,uint256,address)",
              [word("address", ROUTER), word("address", addr(0xB000 + i))],
              encode(["uint256"] * 4, [0, 10**18, 10**21, 0]))
        blocks.append(b)
    pull = BlockBuilder(100, 10_000 + age_s)
    h = pull.tx(RUGGER, ROUTER)
    a0, a1 = int(r0 * removed_share), int(r1 * removed_share)
    _sync(pull, h, r0 - a0, r1 - a1)
    pull.log(h, PAIR, "Burn(address,uint256,uint256,address)",
             [word("address", ROUTER), word("address", ROUTER)],
             encode(["uint256", "uint256"], [a0, a1]))
    blocks.append(pull)
    return blocks


def test_full_pull_soon_after_birth_and_swaps_is_a_rug() -> None:
    blocks = _life(0.999, age_s=600)
    findings = run_blocks([LiquidityRugDetector()], [b.bundle() for b in blocks])
    assert len(findings) == 1
    f = findings[0]
    assert f.reason_codes == (ReasonCode.LIQUIDITY_RUG, ReasonCode.POOL_CADENCE_ANOMALY)
    assert f.entities == (RUGGER, PAIR)
    assert f.tx_hashes == (blocks[0].txs[0].hash, blocks[-1].txs[0].hash)
    assert f.details["swaps"] == 6 and f.details["swappers"] == 6
    removed = next(d for d in f.deltas if d.feature == "liquidity_removed_share")
    assert removed.observed > 0.99


def test_partial_or_late_removals_are_not_rugs() -> None:
    assert run_blocks([LiquidityRugDetector()], [b.bundle() for b in _life(0.3, 600)]) == []
    old = _life(0.999, age_s=3 * 86_400)
    assert run_blocks([LiquidityRugDetector()], [b.bundle() for b in old]) == []


def test_slow_young_pull_is_a_rug_without_cadence_anomaly() -> None:
    findings = run_blocks([LiquidityRugDetector()], [b.bundle() for b in _life(0.9, 7_200)])
    assert [f.reason_codes for f in findings] == [(ReasonCode.LIQUIDITY_RUG,)]


def test_sole_lp_approving_its_tokens_after_swaps_is_an_imminent_rug() -> None:
    blocks = _life(0.999, age_s=600)
    approval = BlockBuilder(99, 10_000 + 590)
    _approve(approval, RUGGER, LP)
    stream = [b.bundle() for b in [*blocks[:-1], approval, blocks[-1]]]
    findings = run_blocks([LiquidityRugDetector()], stream)
    assert [f.kind for f in findings] == ["liquidity_rug_imminent", "liquidity_rug"]
    assert findings[0].block_to == 99 and findings[0].entities == (RUGGER, PAIR)
    assert len({f.details["correlation_key"] for f in findings}) == 1


def test_small_holder_or_untraded_pool_approvals_are_not_warnings() -> None:
    small = _life(0.999, age_s=600)
    approval = BlockBuilder(99, 10_590)
    _approve(approval, addr(0xB000), 10**18)  # a swapper, holding no LP tokens
    stream = [b.bundle() for b in [*small[:-1], approval]]
    assert run_blocks([LiquidityRugDetector()], stream) == []
    untraded = _life(0.999, age_s=600, swaps=0)
    early = BlockBuilder(99, 10_590)
    _approve(early, RUGGER, LP)
    assert run_blocks([LiquidityRugDetector()], [untraded[0].bundle(), early.bundle()]) == []


def test_no_cliff_at_24_hours() -> None:
    def score(age_s: int) -> float:
        found = run_blocks([LiquidityRugDetector()], [b.bundle() for b in _life(0.999, age_s)])
        return found[0].score if found else 0.0

    before, after = score(int(23.3 * 3600)), score(int(24.5 * 3600))
    assert before > 0 and after > 0 and before - after < 0.05  # one curve, no cliff
    assert score(3 * 3600) > before > score(40 * 3600)


def test_a_later_lp_removing_its_own_share_is_no_rug() -> None:
    from hafeniq_chain.evaluation.variants.rug_cases import later_lp_exit, rug
    from hafeniq_chain.evaluation.variants.runner import run_rug_case
    assert all(run_rug_case(later_lp_exit(s)) == [] for s in range(50, 60))
    handed = [rug(s) for s in range(50, 80)]
    assert all(any(c.pull_tx in f.tx_hashes for f in run_rug_case(c)) for c in handed)
