"""Contract-interaction drift: per (contract, function), how is today unlike its normal?

Each block, every known (contract, selector) gets its call count (zero counts too) fed to
a CUSUM on the count standardised against a blended EWMA baseline (Page 1954), plus four
shape checks on the calls it did get: new-caller ratio, Shannon entropy of bucketed first
arguments, gas used per call, and flash bursts (one fresh address calling many times in a
few blocks). A function stays silent through its warm-up; baselines only learn from blocks
in which that function raised nothing, so an attack never becomes the new normal.

Seasonal functions (``castVote`` after a proposal opens, claims after a distribution) are
idle for hours, then busy for a few blocks. Their mean rate is tiny, so a CUSUM on the mean
alone calls every season an attack. The rate test therefore also learns how many calls a
*busy* block usually has (``active``, with at least Poisson spread) and alarms only above
that and above twice the busiest normal block seen, once it has seen 20 busy blocks (a few
rounds; one round of 1-vote blocks said "busy blocks hold 1" and the next round of 5 was
flagged on the 10k benign run). 5 votes in a block is normal for a governor whose rounds
have reached 3; 40 deposits in one block is not normal for a bridge whose busy blocks
hold 1-3. Until then a burst from a fresh address is still caught by FLASH_BURST.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

from hafeniq_chain.core.finding import ConfidenceBand, FeatureDelta, Finding, Severity
from hafeniq_chain.core.reasons import ReasonCode
from hafeniq_chain.decode.records import BlockBundle, TxRecord
from hafeniq_chain.detect.base import DetectionContext, Detector, DetectorSettings, Triggers
from hafeniq_chain.detect.drift.drift_state import FunctionState


class DriftSettings(DetectorSettings):
    """``[detect.drift]``: warm-up, CUSUM parameters and the shape-change thresholds."""

    warmup_blocks: int = 50
    cusum_k: float = 0.5
    cusum_h: float = 5.0
    min_calls: int = 5          # shape checks need at least this many calls in the block
    rate_min_excess: float = 3.0  # a CUSUM alarm also needs count >= mean + this many calls
    active_sigmas: float = 4.0  # ... and a count this far above the usual busy-block count
    peak_factor: float = 2.0    # ... and this many times the busiest normal block so far
    min_active_blocks: int = 20  # busy blocks seen before the rate test may alarm
    new_ratio_jump: float = 0.5
    entropy_jump_bits: float = 1.0
    gas_rel_change: float = 0.5
    burst_window: int = 3
    burst_calls: int = 5


def arg_bucket(data: bytes) -> int:
    """Bucket of the first 32-byte argument by magnitude (bit length); -1 when absent."""
    if len(data) < 36:
        return -1
    return int.from_bytes(data[4:36], "big").bit_length()


def _entropy(buckets: list[int]) -> float:
    counts = Counter(buckets).values()
    total = len(buckets)
    return -sum(c / total * math.log2(c / total) for c in counts) if total else 0.0


class DriftDetector(Detector):
    """Stateful (state in ``self.states``, exportable with ``export_baselines``)."""

    name = "drift"
    version = "2"
    settings_model = DriftSettings
    triggers = Triggers(blocks=True)

    def __init__(self, config: DriftSettings | None = None) -> None:
        self.config = config or DriftSettings()
        self.states: dict[tuple[str, str], FunctionState] = {}

    async def on_block(self, block: BlockBundle, ctx: DetectionContext) -> list[Finding]:
        groups: dict[tuple[str, str], list[TxRecord]] = {}
        for tx in block.transactions:
            if tx.to_addr and tx.selector and tx.status != 0:
                groups.setdefault((tx.to_addr, tx.selector), []).append(tx)
        for key in groups:
            if key not in self.states:
                cfg = self.config
                state = FunctionState()
                state.cusum.k, state.cusum.h = cfg.cusum_k, cfg.cusum_h
                self.states[key] = state
        findings = []
        for key, state in self.states.items():
            finding = self._observe(block, key, state, groups.get(key, []))
            if finding is not None:
                findings.append(finding)
        return findings

    def _observe(self, block: BlockBundle, key: tuple[str, str], state: FunctionState,
                 txs: list[TxRecord]) -> Finding | None:
        cfg = self.config
        callers = [tx.from_addr for tx in txs]
        state.remember_calls(block.number, callers, cfg.burst_window)
        warm = state.blocks_observed >= cfg.warmup_blocks
        reasons: list[ReasonCode] = []
        deltas: list[FeatureDelta] = []
        count = float(len(txs))
        if warm:
            self._check_rate(state, count, reasons, deltas)
            if len(txs) >= cfg.min_calls:
                self._check_shape(state, txs, reasons, deltas)
            self._check_burst(block.number, state, set(callers), reasons, deltas)
        if not reasons:  # never learn from flagged activity
            state.rate.update(count)
            if txs:
                state.active.update(count)
                state.busy_peak = max(state.busy_peak, count)
                new = sum(1 for c in set(callers) if c not in state.known_callers)
                state.new_ratio.update(new / len(set(callers)))
                state.learn_callers(callers)
                if len(txs) >= cfg.min_calls:
                    state.entropy.update(_entropy([arg_bucket(tx.input) for tx in txs]))
                for tx in txs:
                    if tx.gas_used is not None:
                        state.gas.update(float(tx.gas_used))
            state.blocks_observed += 1
            return None
        return self._finding(block, key, txs, reasons, deltas)

    def _check_rate(self, state: FunctionState, count: float, reasons: list[ReasonCode],
                    deltas: list[FeatureDelta]) -> None:
        mean = state.rate.mean
        scale = max(state.rate.std, math.sqrt(max(mean, 0.0)), 0.5)
        alarm = state.cusum.update((count - mean) / scale)
        cfg, busy = self.config, state.active
        busy_std = max(busy.std, math.sqrt(max(busy.mean, 0.0)))  # counts: Poisson at least
        busy_limit = max(busy.mean + max(cfg.rate_min_excess, cfg.active_sigmas * busy_std),
                         cfg.peak_factor * state.busy_peak)
        above_busy = busy.n >= cfg.min_active_blocks and count > busy_limit
        if alarm and count >= mean + cfg.rate_min_excess and above_busy:
            reasons.append(ReasonCode.CALL_RATE_SHIFT)
            deltas.append(FeatureDelta("calls_per_block", round(mean, 3), count,
                                       f"call rate {count:.0f}/block vs normal {mean:.1f} "
                                       f"(busy blocks up to {state.busy_peak:.0f})"))

    def _check_shape(self, state: FunctionState, txs: list[TxRecord],
                     reasons: list[ReasonCode], deltas: list[FeatureDelta]) -> None:
        cfg = self.config
        unique = set(tx.from_addr for tx in txs)
        ratio = sum(1 for c in unique if c not in state.known_callers) / len(unique)
        base = state.new_ratio.mean
        if ratio - base > max(cfg.new_ratio_jump, 4 * state.new_ratio.std):
            reasons.append(ReasonCode.NEW_CALLER_SURGE)
            deltas.append(FeatureDelta("new_caller_ratio", round(base, 3), round(ratio, 3),
                                       f"{ratio:.0%} of callers never seen (normal {base:.0%})"))
        if state.entropy.n:
            ent = _entropy([arg_bucket(tx.input) for tx in txs])
            base = state.entropy.mean
            if ent - base > max(cfg.entropy_jump_bits, 4 * state.entropy.std):
                reasons.append(ReasonCode.PARAM_ENTROPY_SPIKE)
                deltas.append(FeatureDelta("param_entropy_bits", round(base, 3), round(ent, 3),
                                           f"argument entropy {ent:.2f} bits vs {base:.2f}"))
        gas = [float(tx.gas_used) for tx in txs if tx.gas_used is not None]
        if gas and state.gas.n:
            mean_gas, base = sum(gas) / len(gas), state.gas.mean
            if (base > 0 and abs(mean_gas - base) / base > cfg.gas_rel_change
                    and abs(mean_gas - base) > 4 * state.gas.std):
                reasons.append(ReasonCode.GAS_SHAPE_CHANGE)
                deltas.append(FeatureDelta("gas_per_call", round(base, 1), round(mean_gas, 1),
                                           f"gas per call {mean_gas:.0f} vs normal {base:.0f}"))

    def _check_burst(self, number: int, state: FunctionState, callers_now: set[str],
                     reasons: list[ReasonCode], deltas: list[FeatureDelta]) -> None:
        """A fresh address with many calls in the window, *calling in this block*: the
        blocks after a burst are not reported again (they would name no transaction)."""
        cfg = self.config
        counts = Counter(c for _, c in state.recent_calls)
        for caller, n in counts.most_common():
            if n < cfg.burst_calls:
                break
            fresh = number - state.first_seen[caller] < cfg.burst_window
            if fresh and caller in callers_now and caller not in state.known_callers:
                reasons.append(ReasonCode.FLASH_BURST)
                deltas.append(FeatureDelta("calls_from_fresh_address", None, float(n),
                                           f"fresh address {caller} made {n} calls "
                                           f"in {cfg.burst_window} blocks"))
                break  # one FLASH_BURST reason per function and block

    def _finding(self, block: BlockBundle, key: tuple[str, str], txs: list[TxRecord],
                 reasons: list[ReasonCode], deltas: list[FeatureDelta]) -> Finding:
        contract, selector = key
        score = min(0.95, 0.45 + 0.15 * len(reasons))
        callers = tuple(sorted(set(tx.from_addr for tx in txs)))[:20]
        details: dict[str, Any] = {"contract": contract, "selector": selector,
                                   "calls": len(txs), "actors": list(callers), "pool": None}
        return Finding(
            detector=self.name, detector_version=self.version, kind="contract_drift",
            score=score, confidence=ConfidenceBand(max(0.0, score - 0.2), min(1.0, score + 0.1)),
            severity=Severity.HIGH if len(reasons) >= 2 else Severity.MEDIUM,
            reason_codes=tuple(reasons),
            summary=f"{contract} {selector}: " + "; ".join(d.description for d in deltas),
            dedup_key=f"drift:{contract}:{selector}:{block.number}", chain_id=block.chain_id,
            entities=(contract, *callers), tx_hashes=tuple(tx.hash for tx in txs[:50]),
            block_from=block.number, block_to=block.number, deltas=tuple(deltas),
            details=details)

    def export_baselines(self) -> list[tuple[str, dict[str, Any], int]]:
        """(scope, state, samples) rows for the ``baselines`` table (detector = 'drift')."""
        return [(f"{c}:{s}", st.to_state(), st.blocks_observed)
                for (c, s), st in self.states.items()]

    def import_baselines(self, rows: list[tuple[str, dict[str, Any]]]) -> None:
        """Restore state exported by ``export_baselines`` (e.g. after a restart)."""
        for scope, state in rows:
            contract, selector = scope.split(":", 1)
            self.states[(contract, selector)] = FunctionState.from_state(state)
