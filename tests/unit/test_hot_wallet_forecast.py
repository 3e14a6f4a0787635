"""Hot-wallet forecast rules on plain blocks: not covered, log_only vs reject, velocity."""

from __future__ import annotations

import random
from pathlib import Path

from hafeniq_chain.config import ForecastSettings, Settings, StoreSettings, WatchSettings
from hafeniq_chain.core.finding import Severity
from hafeniq_chain.core.reasons import ReasonCode
from hafeniq_chain.decode.records import BlockBundle, TransferRecord
from hafeniq_chain.detect.base import DetectionContext
from hafeniq_chain.detect.wallet.hot_wallet_forecast import HotWalletForecastDetector

HOT = "0x" + "aa" * 20
TOKEN = "0x" + "cc" * 20
T0 = 1_800_000_000


def _built(mode: str) -> tuple[HotWalletForecastDetector, DetectionContext]:
    """The detector as the daemon builds it: hot wallets and modes from the settings."""
    settings = Settings(store=StoreSettings(data_dir=Path("/tmp/unused")),
                        watch=[WatchSettings(address=HOT, kind="hot_wallet")],
                        forecast=ForecastSettings(modes={HOT: mode})).detection()
    return (HotWalletForecastDetector.from_settings(settings),
            DetectionContext(chain_id=1, settings=settings))


def _block(n: int, at: int, amounts: list[int]) -> BlockBundle:
    return BlockBundle(1, n, f"0x{n:064x}", f"0x{n - 1:064x}", at, transfers=[
        TransferRecord(n, f"0x{n:060x}{i:04x}", i, f"log:{i}", TOKEN, HOT, "0x" + "bb" * 20, a)
        for i, a in enumerate(amounts)])


async def _routine(detector: HotWalletForecastDetector, ctx: DetectionContext, count: int
                   ) -> tuple[list[object], int]:
    rng = random.Random(3)
    findings: list[object] = []
    at = T0
    for n in range(1, count + 1):
        at += rng.randint(1800, 3600)
        findings += await detector.on_block(_block(n, at, [int(rng.lognormvariate(7.5, 0.5))
                                                           * 10**6]), ctx)
    return findings, at


async def test_not_covered_until_enough_history_then_log_only() -> None:
    detector, ctx = _built("log_only")
    findings, at = await _routine(detector, ctx, 29)
    assert findings == []
    assert detector.coverage()[f"{HOT}:{TOKEN}"]["reason"] == ReasonCode.NOT_COVERED
    findings, at = await _routine(detector, ctx, 2)
    big = await detector.on_block(_block(99, at + 60, [400_000 * 10**6]), ctx)
    assert findings == [] and len(big) == 1
    f = big[0]
    assert f.reason_codes[0] is ReasonCode.AMOUNT_ABOVE_FORECAST
    assert f.severity is Severity.MEDIUM and not f.details["would_reject"]
    assert f.deltas[0].observed > 10 * f.deltas[0].baseline  # type: ignore[operator]


async def test_reject_mode_says_it_would_have_rejected_and_velocity_counts() -> None:
    detector, ctx = _built("reject")
    _, at = await _routine(detector, ctx, 40)
    limit = detector.scopes[f"{HOT}:{TOKEN}"].forecast
    assert limit is not None
    step = int(limit.tx_limit * 0.9)
    burst = await detector.on_block(_block(100, at + 60, [step] * 6), ctx)
    assert burst and all(ReasonCode.VELOCITY_EXCEEDED in f.reason_codes for f in burst)
    assert all(f.severity is Severity.HIGH and f.details["would_reject"] for f in burst)
    assert "would have been rejected" in burst[0].summary
