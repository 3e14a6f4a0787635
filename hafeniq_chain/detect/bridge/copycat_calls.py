"""Copycat waves seen in calldata: many senders replaying one payout call, address swapped.

A call joins a wave when it goes to the same contract and function with calldata identical
to the wave's first call except for one address-sized span, that span holds an address
the call paid out to (a token transfer not from the sender), and the sender paid nothing
in (no value, no token sent): something for nothing. Busy contracts do not look like
this: swaps and LP adds pay in, transfers carry their own amounts, deposits pay nothing
out, delegations and approvals move nothing. Entitled claims are not replays: members who
paid into the contract before (stakers, depositors; at most ``entitled_multiple`` times
what they put in, in the same token) do not count, nor does a wave of equal
payouts each a sliver of the contract's balance (a fixed reward: airdrop, rebate). Per
function, the largest unflagged wave size is learned so a contract whose normal use looks
like this (airdrop claims) needs a much larger wave.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from hafeniq_chain.decode.records import BlockBundle, TxRecord
from hafeniq_chain.detect.bridge.calldata_shape import swapped_address
from hafeniq_chain.detect.bridge.pay_in_ledger import PayInLedger


@dataclass(frozen=True)
class WaveHit:
    """One block's evidence that a wave is under way (plain data for the detector)."""

    wave_id: str
    contract: str
    signature: str        # 4-byte selector or event topic0
    evidence: str         # "calldata" | "logs"
    txs: tuple[str, ...]  # transactions flagged in this block (all members on the first hit)
    recipients: tuple[str, ...]
    size: int             # distinct senders (calldata) or txs (logs) in the window
    baseline: float
    fresh_share: float | None
    first_block: int
    entitled_share: float | None = None  # members the contract owed (they paid in before)
    payout_share: float | None = None    # median payout / the contract's balance


@dataclass(frozen=True)
class _Member:
    block: int
    sender: str
    tx: str
    recipient: str
    fresh: bool
    entitled: bool          # sender or recipient paid into the contract before
    share: float | None     # payout / the contract's balance of that token before it


@dataclass
class _Wave:
    template: bytes
    started: int
    members: deque[_Member] = field(default_factory=deque)
    alerted: bool = False


@dataclass
class DelayedPeak:
    """A learned largest unflagged wave, slowly decaying. Sizes are folded in only once
    they are ``delay`` blocks old, and ``pending.clear()`` on a wave drops the ramp into
    it, so an attack never becomes its own baseline."""

    peak: float = 0.0
    pending: deque[tuple[int, int]] = field(default_factory=deque)

    def learn(self, number: int, size: int, delay: int) -> None:
        self.pending.append((number, size))
        while self.pending and self.pending[0][0] <= number - delay:
            _, old = self.pending.popleft()
            self.peak = max(self.peak * 0.999, float(old))


class CallWaveTracker:
    """Groups payout calls into waves and reports the waves that outgrow their normal."""

    def __init__(self, window_blocks: int = 25, min_senders: int = 5, ratio: float = 3.0,
                 max_templates: int = 8, max_buckets: int = 20_000,
                 fixed_reward_share: float = 0.002, entitled_multiple: float = 10.0) -> None:
        self.window_blocks = window_blocks
        self.min_senders = min_senders
        self.ratio = ratio
        self.fixed_reward_share = fixed_reward_share
        self.entitled_multiple = entitled_multiple
        self.ledger = PayInLedger()
        self.max_templates = max_templates
        self.max_buckets = max_buckets
        self._buckets: dict[tuple[str, str, int], list[_Wave]] = {}
        self._normals: dict[tuple[str, str], DelayedPeak] = {}

    def observe(self, block: BlockBundle) -> list[WaveHit]:
        paid: dict[str, dict[str, tuple[str, int]]] = {}  # tx -> recipient -> (token, amount)
        paying: set[str] = set()  # txs whose sender paid something in (trades, LP adds)
        senders = {tx.hash: tx.from_addr for tx in block.transactions}
        for t in block.transfers:  # payouts: tokens moved by someone other than the sender
            if t.from_addr != senders.get(t.tx_hash):
                paid.setdefault(t.tx_hash, {})[t.to_addr] = (t.token, t.amount)
            else:
                paying.add(t.tx_hash)
        touched: dict[int, tuple[tuple[str, str, int], _Wave]] = {}
        for tx in block.transactions:
            if tx.value or tx.hash in paying:
                continue
            placed = self._place(tx, paid.get(tx.hash, {}), block.number)
            if placed is not None:
                touched[id(placed[1])] = placed
        self.ledger.observe(block)
        hits = []
        for (to, selector, _), wave in touched.values():
            hit = self._assess(to, selector, wave, block.number)
            if hit is not None:
                hits.append(hit)
        if len(self._buckets) > self.max_buckets:
            self._expire(block.number)
        return hits

    def _member(self, tx: TxRecord, number: int, recipient: str,
                payouts: dict[str, tuple[str, int]]) -> _Member:
        contract = tx.to_addr or ""
        token, amount = payouts.get(recipient) or next(iter(payouts.values()))
        entitled = any(self.ledger.entitled(contract, who, token, amount,
                                            self.entitled_multiple)
                       for who in (tx.from_addr, recipient))
        return _Member(number, tx.from_addr, tx.hash, recipient, tx.nonce == 0, entitled,
                       self.ledger.share(contract, token, amount))

    def _place(self, tx: TxRecord, payouts: dict[str, tuple[str, int]], number: int
               ) -> tuple[tuple[str, str, int], _Wave] | None:
        if not payouts or tx.to_addr is None or tx.status == 0 or len(tx.input) < 36:
            return None
        recipients = set(payouts)
        key = (tx.to_addr, tx.input[:4].hex(), len(tx.input))
        waves = self._buckets.setdefault(key, [])
        for wave in waves:
            while wave.members and wave.members[0].block <= number - self.window_blocks:
                wave.members.popleft()
            swapped = swapped_address(wave.template, tx.input, recipients)
            # NOTE: identical calldata pays its sender (a claim) or it is no copy of a
            # payout: a bot contract paid by a lender is not its callers' payout
            if swapped is not None or (wave.template == tx.input and wave.members
                                       and tx.from_addr in recipients):
                recipient = swapped or tx.from_addr
                wave.members.append(self._member(tx, number, recipient, payouts))
                return key, wave
        waves[:] = [w for w in waves if w.members][-(self.max_templates - 1):]
        wave = _Wave(tx.input, number)
        first = tx.from_addr if tx.from_addr in recipients else next(iter(sorted(recipients)))
        wave.members.append(self._member(tx, number, first, payouts))
        waves.append(wave)
        return key, wave

    def _assess(self, to: str, selector: str, wave: _Wave, number: int) -> WaveHit | None:
        if (to, selector) not in self._normals and len(self._normals) >= self.max_buckets:
            del self._normals[next(iter(self._normals))]  # bounded: forget the oldest
        normal = self._normals.setdefault((to, selector), DelayedPeak())
        # NOTE: claimants the contract owes (they staked or deposited before) are entitled,
        # and equal payouts each a sliver of the contract's balance are a fixed reward
        # (airdrop, epoch rebate): neither is a replay, whatever the calldata looks like.
        unentitled = [m for m in wave.members if not m.entitled]
        shares = sorted(m.share for m in unentitled if m.share is not None)
        median = shares[len(shares) // 2] if shares else None
        # a budget paid out a sliver at a time, not a balance replayed away
        fixed_reward = median is not None and len(shares) == len(unentitled) \
            and shares[-1] <= self.fixed_reward_share \
            and sum(shares) <= 25 * self.fixed_reward_share
        senders = set() if fixed_reward else {m.sender for m in unentitled}
        threshold = max(float(self.min_senders), self.ratio * normal.peak)
        if len(senders) < threshold:
            if not wave.alerted:
                normal.learn(number, len(senders), 3 * self.window_blocks)
            return None
        normal.pending.clear()
        members = list(wave.members) if not wave.alerted else \
            [m for m in wave.members if m.block == number]
        wave.alerted = True
        fresh = [m.fresh for m in wave.members]
        return WaveHit(
            wave_id=f"{to}:{selector}:{wave.started}", contract=to, signature="0x" + selector,
            evidence="calldata", txs=tuple(dict.fromkeys(m.tx for m in members)),
            recipients=tuple(dict.fromkeys(m.recipient for m in members if m.recipient)),
            size=len(senders), baseline=normal.peak,
            fresh_share=sum(fresh) / len(fresh) if fresh else None, first_block=wave.started,
            entitled_share=1 - len(unentitled) / len(wave.members), payout_share=median)

    def _expire(self, number: int) -> None:
        for key in [k for k, waves in self._buckets.items()
                    if all(not w.members or w.members[-1].block <= number - self.window_blocks
                           for w in waves)]:
            del self._buckets[key]
