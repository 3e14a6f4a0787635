"""The figures that tell a sandwich from a look-alike, each put in the finding's deltas.

- Attacker profit over the legs: the back-run's sale price against the front-run's buy
  price on the quantity both legs traded (so a partial exit or an inventory sale is
  priced fairly), in the front-run's input token. A sandwich exists to make this positive;
  a trader's own round trip around other people's swaps mostly pays fees twice.
- Victim harm: what the victim got against what it would have got without the front-run,
  with constant-product math from the reserves the logs give (V2 ``Sync``; V3 virtual
  reserves from sqrtPrice and liquidity). The pool fee is the one the victim's own swap
  implies. None when the swap came from traces (no reserves).
- Back-run size: ``full`` (sells back what was bought, within the tolerance), ``partial``
  (front-heavy exit) or ``inventory`` (back-heavy: sells more than it bought).
- Arbitrage front-run: a "front-run" that closes a profitable cycle in its own
  transaction is an arbitrage that happens to precede a large swap, not a sandwich leg.
"""

from __future__ import annotations

from collections.abc import Sequence

from hafeniq_chain.decode.records import SwapRecord
from hafeniq_chain.detect.mev.arbitrage import find_arbitrages


def matched_profit(front: SwapRecord, back: SwapRecord) -> float:
    """Profit in ``front.token_in`` on min(bought, sold); 0 when a leg moved nothing."""
    if front.amount_out <= 0 or back.amount_in <= 0:
        return 0.0
    q = min(front.amount_out, back.amount_in)
    return back.amount_out * q / back.amount_in - front.amount_in * q / front.amount_out


def backrun_size(front: SwapRecord, back: SwapRecord, tolerance: float) -> str:
    """``full``, ``partial`` or ``inventory``: the back-run's sale against the buy."""
    bought = max(1, front.amount_out)
    ratio = back.amount_in / bought
    if abs(ratio - 1) <= tolerance:
        return "full"
    return "partial" if ratio < 1 else "inventory"


def _cp_out(amount_in: float, r_in: float, r_out: float, gamma: float) -> float:
    return r_out * amount_in * gamma / (r_in + amount_in * gamma)


def victim_harm(front: SwapRecord, victim: SwapRecord) -> float | None:
    """Victim's output lost to the front-run (in ``victim.token_out``); None if unknown."""
    r_in, r_out = victim.reserve_in, victim.reserve_out
    if (r_in is None or r_out is None or r_in <= 0 or r_out <= victim.amount_out
            or victim.amount_in <= 0):
        return None
    gamma = victim.amount_out * r_in / (victim.amount_in * (r_out - victim.amount_out))
    gamma = min(1.0, max(0.9, gamma))  # fee tiers: 0.01% .. 1% (clamped for odd pools)
    r_in0, r_out0 = r_in - front.amount_in, r_out + front.amount_out
    if r_in0 <= 0:
        return None
    return _cp_out(victim.amount_in, r_in0, r_out0, gamma) - victim.amount_out


def total_harm(front: SwapRecord, victims: Sequence[SwapRecord]) -> tuple[float | None, float]:
    """(sum of the victims' losses, its share of what they would have got), when known."""
    harms = [(victim_harm(front, v), v.amount_out) for v in victims]
    known = [(h, out) for h, out in harms if h is not None]
    if not known:
        return None, 0.0
    lost = sum(h for h, _ in known)
    return lost, lost / max(1.0, sum(out + h for h, out in known))


def in_arbitrage(leg: SwapRecord, swaps: Sequence[SwapRecord]) -> bool:
    """Is ``leg`` one hop of a profitable closed cycle inside its own transaction?

    Only profitable cycles count: a front-run through two pools (buy in one, sell in the
    other, mainnet block 13404932) is a cycle that loses money on its own; it pays to move
    both prices against the victims. An arbitrage stands on its own profit.
    """
    same_tx = [s for s in swaps if s.tx_hash == leg.tx_hash]
    if len(same_tx) < 2:
        return False
    return any(a.profit > 0 and any(hop == leg for hop in a.route)
               for a in find_arbitrages(same_tx))
