"""Liquidity rugs: most of a young pool's liquidity pulled by its creator, buyers stranded.

Why: a rug pull creates a pool, lets buyers in, then removes the liquidity, leaving buyers
with an unsellable token. Two moments are visible (pool state from ``liquidity_pools``):
the holder of most of a young, traded pool's LP tokens approving someone (a router) to
move them, the step right before a router removal ("imminent"); and the ``Burn`` that
removes most of the reserves. Each is graded (``grade``): the share removed (can buyers
still exit?), who removes (the creator or whom it passed LP tokens to, vs a later LP),
how many others traded, times a youth factor that decays smoothly with the pool's age, so
a removal at 23 h and one at 25 h score almost the same and an LP exit after days or
weeks scores low. A pool life far shorter than the learned age of pools at ordinary
removals adds ``POOL_CADENCE_ANOMALY``.
"""

from __future__ import annotations

import math

from hafeniq_chain.core.finding import ConfidenceBand, FeatureDelta, Finding, Severity
from hafeniq_chain.core.reasons import ReasonCode
from hafeniq_chain.core.stats import Ewma
from hafeniq_chain.decode.normalize import TRANSFER_TOPIC
from hafeniq_chain.decode.records import BlockBundle, LogRecord
from hafeniq_chain.detect.base import DetectionContext, Detector, Triggers
from hafeniq_chain.detect.liquidity.pools import (
    APPROVAL,
    BURN,
    POOL_TOPICS,
    Pool,
    PoolBook,
    topic_address,
    words,
)
from hafeniq_chain.detect.liquidity.rug_grade import RugGrade, grade
from hafeniq_chain.detect.liquidity.rug_grade import RugSettings as RugSettings


class LiquidityRugDetector(Detector):
    """Flags the approval before, and the Burn of, most of a young pool's liquidity."""

    name = "liquidity_rug"
    version = "2"
    settings_model = RugSettings
    triggers = Triggers(blocks=True, topics=POOL_TOPICS | {TRANSFER_TOPIC, APPROVAL})

    def __init__(self, config: RugSettings | None = None, book: PoolBook | None = None) -> None:
        self.config = config or RugSettings()
        self.book = book or PoolBook()
        self.lifetime = Ewma(alpha=0.1)  # log10 seconds from birth to unflagged removals

    async def on_block(self, block: BlockBundle, ctx: DetectionContext) -> list[Finding]:
        senders = {tx.hash: tx.from_addr for tx in block.transactions}
        pools_here = {lg.address for lg in block.logs if lg.topic0 in POOL_TOPICS}
        findings: list[Finding] = []
        for lg in sorted(block.logs, key=lambda lg: lg.log_index):
            if lg.topic0 not in self.triggers.topics:
                continue
            if lg.topic0 in POOL_TOPICS or lg.address in pools_here:
                pool = self.book.pool(lg.address)
            else:
                known = self.book.get(lg.address)
                if known is None:
                    continue
                pool = known
            found = None
            if lg.topic0 == BURN:
                found = self._burn(block, ctx, lg, pool, senders.get(lg.tx_hash))
            elif lg.topic0 == APPROVAL:
                found = self._approval(block, ctx, lg, pool)
            self.book.apply(lg, pool, block.number, block.timestamp, senders.get(lg.tx_hash))
            if found is not None:
                findings.append(found)
        return findings

    def _traders(self, pool: Pool) -> int:
        return len(pool.swappers - pool.creator_side)

    def _approval(self, block: BlockBundle, ctx: DetectionContext, lg: LogRecord,
                  pool: Pool) -> Finding | None:
        value, owner = words(lg, 1), topic_address(lg, 1)
        share = pool.lp_share(owner)
        if pool.born_ts is None or value is None or pool.warned or not pool.swaps \
                or share < self.config.min_removed \
                or value[0] < self.config.min_removed * pool.lp.get(owner, 0):
            return None
        age = block.timestamp - pool.born_ts
        g = grade(self.config, share, age, owner in pool.creator_side, self._traders(pool))
        if g.score < self.config.min_score:
            return None
        pool.warned = True
        return self._finding(block, ctx, lg, pool, owner, share, age, g, imminent=True)

    def _burn(self, block: BlockBundle, ctx: DetectionContext, lg: LogRecord, pool: Pool,
              sender: str | None) -> Finding | None:
        amounts = words(lg, 2)
        if not amounts or pool.born_ts is None:
            return None
        removed = max(a / (a + r) if a + r else 0.0
                      for a, r in zip(amounts, pool.reserves, strict=True))
        age = block.timestamp - pool.born_ts
        if removed < self.config.min_removed:
            return None  # buyers keep most of the liquidity to exit into
        rugger = sender or topic_address(lg, 1)
        g = grade(self.config, removed, age, rugger in pool.creator_side,
                  self._traders(pool))
        if g.score < self.config.min_score:  # learn from removals that raised nothing
            self.lifetime.update(math.log10(max(age, 1)))
            return None
        return self._finding(block, ctx, lg, pool, rugger, removed, age, g, imminent=False)

    def _finding(self, block: BlockBundle, ctx: DetectionContext, lg: LogRecord, pool: Pool,
                 actor: str, share: float, age: int, g: RugGrade, *, imminent: bool
                 ) -> Finding:
        learned_fast = self.lifetime.n >= 10 and \
            math.log10(max(age, 1)) < self.lifetime.mean - 3 * self.lifetime.std
        fast = age < self.config.fast_life_s or learned_fast
        codes = (ReasonCode.LIQUIDITY_RUG,) + ((ReasonCode.POOL_CADENCE_ANOMALY,) if fast else ())
        cfg = self.config
        score = min(1.0, g.score * (0.85 if imminent else 1.0))
        what = (f"holder of {share:.0%} of the LP tokens approved moving them" if imminent
                else f"{share:.0%} of the reserves removed")
        deltas = (
            FeatureDelta("lp_share_approved" if imminent else "liquidity_removed_share", None,
                         share, what),
            FeatureDelta("pool_age_s", 10 ** self.lifetime.mean if self.lifetime.n else None,
                         float(age), "seconds from first liquidity vs the typical age of "
                         "pools at a removal"),
            FeatureDelta("swaps_before_removal", None, float(pool.swaps),
                         f"swaps by {len(pool.swappers)} address(es) since the pool's birth"),
            FeatureDelta("youth", None, g.youth,
                         f"1 / (1 + (age / {cfg.age_scale_s // 3600} h)^2): no cliff"),
            FeatureDelta("buyers_stranded", None, g.stranded,
                         f"{1 - share:.0%} of the liquidity left for buyers to exit into"),
            FeatureDelta("removed_by_creator", None, g.creator,
                         "1 = the pool's first LP (or whom it passed LP tokens to) removed"),
            FeatureDelta("traders_other_than_creator", None, float(self._traders(pool)),
                         "addresses that traded in the pool, the creator's excluded"),
        )
        severity = Severity.CRITICAL if score >= cfg.critical_score and not imminent else \
            Severity.HIGH if score >= cfg.high_score else Severity.MEDIUM
        kind = "liquidity_rug_imminent" if imminent else "liquidity_rug"
        return Finding(
            detector=self.name, detector_version=self.version, kind=kind, score=score,
            confidence=ConfidenceBand(max(0.0, score - 0.15), score),
            severity=severity,
            reason_codes=codes,
            summary=f"pool {lg.address}: {what} {age}s after its first liquidity, after "
                    f"{pool.swaps} swap(s)",
            dedup_key=f"{kind}:{ctx.chain_id}:{lg.tx_hash}:{lg.log_index}",
            chain_id=ctx.chain_id, entities=tuple(a for a in (actor, lg.address) if a),
            tx_hashes=tuple(t for t in (pool.born_tx, lg.tx_hash) if t),
            block_from=pool.born_block, block_to=block.number, deltas=deltas,
            details={"correlation_key": f"rug:{ctx.chain_id}:{lg.address}",
                     "pool": lg.address, "actor": actor, "swaps": pool.swaps,
                     "swappers": len(pool.swappers), "born_block": pool.born_block,
                     "stage": "approval" if imminent else "removal"},
        )
