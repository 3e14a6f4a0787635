"""Copycat-wave detection: many senders replaying one exploit call within minutes.

Why: the costliest bridge drains (Nomad 2022) were copied by hundreds of senders within
minutes, each replaying the same call with a new recipient. With transactions at hand the
evidence is calldata (``copycat_calls``: near-identical payout calls from distinct senders,
far above the function's learned normal); from a log-only recording it is a burst of one
contract's event (``copycat_logs``). All findings of one wave, and of a drain of the same
contract, share one correlation key so the incident engine makes a single incident.
"""

from __future__ import annotations

from collections import OrderedDict

from pydantic import Field

from hafeniq_chain.core.finding import ConfidenceBand, FeatureDelta, Finding, Severity
from hafeniq_chain.core.reasons import ReasonCode
from hafeniq_chain.decode.records import BlockBundle
from hafeniq_chain.detect.base import DetectionContext, Detector, DetectorSettings, Triggers
from hafeniq_chain.detect.bridge.copycat_calls import CallWaveTracker, WaveHit
from hafeniq_chain.detect.bridge.copycat_logs import LogWaveTracker
from hafeniq_chain.detect.bridge.incident_links import links


class CopycatSettings(DetectorSettings):
    """``[detect.copycat_wave]``: a wave is ``min_senders`` distinct senders of one calldata
    template within ``window_blocks`` (``ratio`` times the template's usual rate); with only
    logs, ``min_txs`` transactions of one event shape within ``log_window_blocks``. Members
    who paid in before (and are paid at most ``entitled_multiple`` times that), and waves of
    equal payouts each at most ``fixed_reward_share`` of the contract's balance, are
    entitled claims, not replays."""

    window_blocks: int = Field(default=25, ge=1, le=10_000)
    min_senders: int = Field(default=5, ge=2, le=10_000)
    ratio: float = Field(default=3.0, gt=1, le=1_000)
    log_window_blocks: int = Field(default=10, ge=1, le=10_000)
    min_txs: int = Field(default=5, ge=2, le=10_000)
    quiet_blocks: int = Field(default=300, ge=1, le=1_000_000)
    fixed_reward_share: float = Field(default=0.002, ge=0, le=1)
    entitled_multiple: float = Field(default=10.0, ge=0)


class CopycatWaveDetector(Detector):
    """Calldata waves when the block has transactions, event bursts when it has only logs."""

    name = "copycat_wave"
    version = "3"
    triggers = Triggers(blocks=True)
    settings_model = CopycatSettings

    def __init__(self, config: CopycatSettings | None = None) -> None:
        cfg = self.config = config or CopycatSettings()
        self.calls = CallWaveTracker(cfg.window_blocks, cfg.min_senders, cfg.ratio,
                                     fixed_reward_share=cfg.fixed_reward_share,
                                     entitled_multiple=cfg.entitled_multiple)
        self.logs = LogWaveTracker(cfg.log_window_blocks, cfg.min_txs, cfg.ratio,
                                   cfg.quiet_blocks)
        self._keys: OrderedDict[str, str] = OrderedDict()  # wave id -> correlation key

    async def on_block(self, block: BlockBundle, ctx: DetectionContext) -> list[Finding]:
        hits = self.calls.observe(block) if block.transactions else self.logs.observe(block)
        return [self._finding(block, ctx, hit) for hit in hits]

    def _key(self, ctx: DetectionContext, hit: WaveHit, number: int) -> str:
        shared = links(ctx)
        key = self._keys.get(hit.wave_id) or shared.key_for(
            hit.txs, [hit.contract], number, f"copycat:{ctx.chain_id}:{hit.wave_id}")
        self._keys[hit.wave_id] = key
        while len(self._keys) > 10_000:
            self._keys.popitem(last=False)
        shared.bind(key, hit.txs, [hit.contract], number)
        return key

    def _finding(self, block: BlockBundle, ctx: DetectionContext, hit: WaveHit) -> Finding:
        key = self._key(ctx, hit, block.number)
        unit = "distinct senders" if hit.evidence == "calldata" else "distinct txs"
        deltas = [FeatureDelta(f"wave_{unit.replace(' ', '_')}", hit.baseline, float(hit.size),
                               f"{unit} in one wave vs the largest normal one")]
        if hit.fresh_share is not None:
            deltas.append(FeatureDelta("fresh_sender_share", None, hit.fresh_share,
                                       "share of wave senders sending their first tx"))
        if hit.entitled_share is not None:
            deltas.append(FeatureDelta("entitled_share", None, hit.entitled_share,
                                       "share of members who paid into the contract before "
                                       "(stakers, depositors); only the others count"))
        if hit.payout_share is not None:
            deltas.append(FeatureDelta("payout_share_of_balance", None, hit.payout_share,
                                       "median payout / the contract's balance before it "
                                       f"(a fixed reward is at most "
                                       f"{self.config.fixed_reward_share:.2%})"))
        score = min(1.0, 0.55 + hit.size / 40.0 + 0.15 * (hit.fresh_share or 0.0)
                    + (0.1 if hit.evidence == "calldata" else 0.0))
        what = ("replayed the same call with only an address swapped"
                if hit.evidence == "calldata" else "emitted the same event")
        return Finding(
            detector=self.name, detector_version=self.version, kind="copycat_wave",
            score=score, confidence=ConfidenceBand(max(0.0, score - 0.2), score),
            severity=Severity.CRITICAL if hit.size >= 15 else Severity.HIGH,
            reason_codes=(ReasonCode.COPYCAT_WAVE,),
            summary=f"{hit.size} {unit} {what} on {hit.contract} "
                    f"since block {hit.first_block}",
            dedup_key=f"{key}:{hit.wave_id}:{block.number}", chain_id=ctx.chain_id,
            entities=(hit.contract, *hit.recipients), tx_hashes=hit.txs,
            block_from=hit.first_block, block_to=block.number, deltas=tuple(deltas),
            details={"correlation_key": key, "evidence": hit.evidence,
                     "signature": hit.signature, "wave_id": hit.wave_id,
                     "recipients": list(hit.recipients)},
        )
