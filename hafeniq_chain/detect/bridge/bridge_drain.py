"""Bridge drains: unproven releases taking a share of an escrow far above its learned normal.

Why: a lock-and-release escrow pays out small, relayed withdrawals; a broken verification
path (Nomad 2022, Ronin, Wormhole) lets one transaction take a large share of the escrow,
or many take it in a rapid series. Per (escrow, token) the detector learns the usual share
of the balance one outflow takes, the usual outflow size and the usual number of outflows
per window, and alerts on the first outflow far above them. Escrows are the contracts that
emit bridge lock/release events (``bridge_events``) and ``watch`` entries of kind
``bridge``. A release the recipient's own earlier deposit backs (``release_match``: the
relayer's normal path, also across a counterpart bridge) is never the signal however
large; unmatched outflows are judged, and baselines learn only from unmatched outflows
that raised nothing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Self

from pydantic import Field

from hafeniq_chain.core.finding import ConfidenceBand, Finding, Severity
from hafeniq_chain.core.reasons import ReasonCode
from hafeniq_chain.decode.records import BlockBundle
from hafeniq_chain.detect.base import DetectionContext, Detector, DetectorSettings, Triggers
from hafeniq_chain.detect.bridge.bridge_events import BridgeFlow, bridge_flows
from hafeniq_chain.detect.bridge.drain_state import Outflow, Scope, drain_deltas, high_water
from hafeniq_chain.detect.bridge.escrow_balances import BalanceSource, EscrowBook, IndexedBalances
from hafeniq_chain.detect.bridge.incident_links import Lead, links
from hafeniq_chain.detect.bridge.release_match import DepositLedger
from hafeniq_chain.log import get_logger

if TYPE_CHECKING:
    from hafeniq_chain.detect.settings import DetectionSettings

log = get_logger(__name__)


class DrainSettings(DetectorSettings):
    """Thresholds: floors hold during cold start, learned baselines can only raise them."""

    min_share: float = 0.02        # one outflow taking >= 2% of the escrow's token balance
    min_window_share: float = 0.10  # outflows of one window taking >= 10% of it
    min_count: int = 4             # outflow txs per window with no learned rate
    window_blocks: int = 5
    factor: float = 5.0            # how far above the learned high-water mark
    min_samples: int = 20          # outflows needed before the amount baseline counts
    series_share: float = Field(default=0.005, ge=0, le=1)  # a mid-size unmatched outflow
    series_count: int = Field(default=3, ge=2)  # this many of them in a window = a series
    match_horizon_blocks: int = Field(default=216_000, ge=1)  # deposits this old still back
    match_tolerance: float = Field(default=0.02, ge=0, le=1)  # release may exceed by fees


class BridgeDrainDetector(Detector):
    """Flags escrow outflows far above the escrow's learned share, size or rate."""

    name = "bridge_drain"
    version = "2"
    settings_model = DrainSettings
    triggers = Triggers(blocks=True)

    def __init__(self, config: DrainSettings | None = None,
                 balances: BalanceSource | None = None, max_escrows: int = 1_000,
                 watched: Sequence[str] = ()) -> None:
        self.config = config or DrainSettings()
        self.balances = balances
        self.max_escrows = max_escrows
        self.watched = frozenset(a.lower() for a in watched)
        self.escrows: set[str] = set()
        self.book = EscrowBook()
        self.ledger = DepositLedger(self.config.match_horizon_blocks,
                                    self.config.match_tolerance)
        self.matched_releases = 0
        self._scopes: dict[tuple[str, str], Scope] = {}
        self.skipped_scopes = 0

    async def on_block(self, block: BlockBundle, ctx: DetectionContext) -> list[Finding]:
        flows = bridge_flows(block)
        self._discover(flows)
        if not self.escrows:
            return []
        moves = self._movements(block, flows)
        source = self.balances or (IndexedBalances(ctx.pool, ctx.chain_id)
                                   if ctx.pool is not None else None)
        outflows: dict[tuple[str, str], list[Outflow]] = {}
        # a lock naming its recipient on the other side backs a release to that recipient
        designated = {(f.tx_hash, f.escrow): f.recipient for f in flows
                      if f.kind == "lock" and f.recipient}
        for tx_index, _, escrow, token, delta, tx, party in sorted(moves):
            await self.book.open(escrow, token, block.number, source)
            before = self.book.balance(escrow, token)
            if delta < 0:
                share = -delta / before if before else None
                match = self.ledger.release(party, -delta, block.number)
                self.matched_releases += match.matched
                outflows.setdefault((escrow, token), []).append(
                    Outflow(tx, tx_index, party, -delta, share, match))
            elif party not in self.escrows:
                self.ledger.deposit(designated.get((tx, escrow), party), delta, block.number)
            self.book.move(escrow, token, delta)
        findings = []
        for (escrow, token), outs in outflows.items():
            if (escrow, token) not in self._scopes and len(self._scopes) >= 10_000:
                self.skipped_scopes += 1  # bounded state
                log.warning("detect.bridge_drain.scope_limit", escrow=escrow, token=token,
                            skipped=self.skipped_scopes)
                continue
            finding = self._judge(block, ctx, escrow, token, outs)
            if finding is not None:
                findings.append(finding)
        return findings

    @classmethod
    def from_settings(cls, settings: DetectionSettings) -> Self:
        """Thresholds from ``[detect.bridge_drain]``, escrows from ``[[watch]]`` bridges."""
        return cls(settings.detect.bridge_drain,
                   watched=[w.address for w in settings.watch if w.kind == "bridge"])

    def _discover(self, flows: list[BridgeFlow]) -> None:
        found = self.watched | {f.escrow for f in flows}
        for escrow in found - self.escrows:
            if len(self.escrows) < self.max_escrows:
                self.escrows.add(escrow)

    def _movements(self, block: BlockBundle, flows: list[BridgeFlow]
                   ) -> list[tuple[int, str, str, str, int, str, str]]:
        """(tx index, position, escrow, token, signed amount, tx, counterparty) per movement.

        ERC-20 transfers are the truth; a release/lock event stands in for its transfer only
        when the source carries no transfers for that tx (recorded logs of other contracts).
        """
        moves = []
        seen: set[tuple[str, str]] = set()
        for t in block.transfers:
            if not t.token or t.from_addr == t.to_addr:
                continue
            if t.from_addr in self.escrows:
                moves.append((t.tx_index, t.position, t.from_addr, t.token, -t.amount,
                              t.tx_hash, t.to_addr))
                seen.add((t.tx_hash, t.from_addr))
            if t.to_addr in self.escrows:
                moves.append((t.tx_index, t.position, t.to_addr, t.token, t.amount, t.tx_hash,
                              t.from_addr))
                seen.add((t.tx_hash, t.to_addr))
        for f in flows:
            if (f.tx_hash, f.escrow) not in seen:
                sign = -1 if f.kind == "release" else 1
                moves.append((f.tx_index, f"log:{f.log_index:08d}", f.escrow, f.token,
                              sign * f.amount, f.tx_hash, f.party))
        return moves

    def _judge(self, block: BlockBundle, ctx: DetectionContext, escrow: str, token: str,
               outs: list[Outflow]) -> Finding | None:
        cfg = self.config
        scope = self._scopes.setdefault((escrow, token), Scope())
        outs = [o for o in outs if not o.match.matched]  # a proven release is no signal
        if not outs:
            return None
        for o in outs:
            scope.recent.append((block.number, o.tx_hash, o.amount, o.share or 0.0))
        while scope.recent and scope.recent[0][0] <= block.number - cfg.window_blocks:
            scope.recent.popleft()
        count = len({r[1] for r in scope.recent})
        series = len({r[1] for r in scope.recent if r[3] >= cfg.series_share})
        balance = self.book.balance(escrow, token)
        window_sum = sum(r[2] for r in scope.recent)
        window_share = window_sum / (balance + window_sum) if balance is not None and \
            balance + window_sum > 0 else None
        share_limit = max(cfg.min_share, cfg.factor * high_water(scope.share, 4.0))
        amount_limit = (cfg.factor * 10 ** high_water(scope.log_amount, 4.0)
                        if scope.log_amount.n >= cfg.min_samples else math.inf)
        count_limit = max(float(cfg.min_count), 3.0 * high_water(scope.rate, 3.0))
        big = [o for o in outs if (o.share is not None and o.share >= share_limit)
               or o.amount >= amount_limit]
        surge = count >= count_limit or series >= cfg.series_count or (
            window_share is not None and window_share >= cfg.min_window_share)
        if not big and not surge:
            for o in outs:  # learn only from outflows that raised nothing
                if o.share is not None:
                    scope.share.update(o.share)
                scope.log_amount.update(math.log10(max(o.amount, 1)))
            scope.rate.update(float(count))
            return None
        flagged = outs if surge else big
        return self._finding(block, ctx, escrow, token, scope, flagged, count, series,
                             window_share, share_limit, amount_limit)

    def _finding(self, block: BlockBundle, ctx: DetectionContext, escrow: str, token: str,
                 scope: Scope, flagged: list[Outflow], count: int, series: int,
                 window_share: float | None, share_limit: float, amount_limit: float
                 ) -> Finding:
        txs = tuple(dict.fromkeys(o.tx_hash for o in flagged))
        shared = links(ctx)
        key = shared.key_for(txs, [escrow], block.number,
                             f"bridge:{ctx.chain_id}:{escrow}:{block.number}")
        shared.bind(key, txs, [escrow], block.number)
        for o in flagged:
            shared.publish(Lead(o.tx_hash, o.tx_index, block.number, block.timestamp, token,
                                o.recipient, o.amount, key, self.name))
        top_share = max((o.share for o in flagged if o.share is not None), default=None)
        deltas = drain_deltas(scope, flagged, count, series, window_share, share_limit,
                              self.config.window_blocks)
        severe = (top_share or 0.0) >= 0.1 or (window_share or 0.0) >= 0.25
        known = top_share is not None or window_share is not None
        score = min(1.0, 0.7 + 2.0 * max(top_share or 0.0, window_share or 0.0)
                    + 0.02 * len(flagged))
        return Finding(
            detector=self.name, detector_version=self.version, kind="bridge_drain",
            score=score, confidence=ConfidenceBand(max(0.0, score - (0.1 if known else 0.3)),
                                                   score),
            severity=Severity.CRITICAL if severe else Severity.HIGH,
            reason_codes=(ReasonCode.BRIDGE_OUTFLOW_SPIKE,),
            summary=f"bridge escrow {escrow} paid out {len(flagged)} outflow(s) of {token} "
                    f"far above its normal ({count} outflow txs in "
                    f"{self.config.window_blocks} blocks)",
            dedup_key=f"bridge_drain:{ctx.chain_id}:{escrow}:{token}:{block.number}",
            chain_id=ctx.chain_id,
            entities=(escrow, *dict.fromkeys(o.recipient for o in flagged)),
            tx_hashes=txs, block_from=block.number, block_to=block.number,
            deltas=deltas,
            details={"correlation_key": key, "escrow": escrow, "token": token,
                     "outflows": [{"tx": o.tx_hash, "recipient": o.recipient,
                                   "amount": str(o.amount), "share": o.share,
                                   "matched": o.match.matched,
                                   "recipient_prior_deposits": o.match.prior_deposits}
                                  for o in flagged],
                     "amount_limit": None if math.isinf(amount_limit) else amount_limit},
        )
