"""Sandwich shapes: a front-run, the victims after it in the same pool and direction, and
the back-run that reverses it, tied by the bot (``bracket``: one sender, or one contract
that received the front-run's output and paid the back-run's input, never an
intermediary), and mev-inspect-py's own definition (``find_sandwiches``: the front-run's
recipient sends the back-run), kept for the comparison on the 26 real blocks. Whether a
shape is reported is ``sandwich.judge``'s business.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from hafeniq_chain.decode.records import SwapRecord
from hafeniq_chain.detect.mev.intermediaries import IntermediaryBook
from hafeniq_chain.detect.mev.swap_order import block_order

ROUTERS = frozenset({
    "0x7a250d5630b4cf539739df2c5dacb4c659f2488d",  # Uniswap V2 Router02
    "0xe592427a0aece92de3edee1f18e0157c05861564",  # Uniswap V3 SwapRouter
    "0x68b3465833fb72a70ecdf485e0e4c7bd8665fc45",  # Uniswap V3 SwapRouter02
    "0xef1c6e67703c7bd7107eed8303fbe6ec2554bf6b",  # Uniswap Universal Router (2022)
    "0x3fc91a3afd70395cd496c647d5a6cc9d4b2b7fad",  # Uniswap Universal Router
    "0x1111111254eeb25477b68fb85ed929f73a960582",  # 1inch v5
    "0xdef1c0ded9bec7f1a1670819833240f027b25eff",  # 0x Exchange Proxy
})


@dataclass(frozen=True)
class Sandwich:
    """Front-run, victims, back-run in one pool; profit is in the front-run's input token.

    ``tie`` says what ties the legs: ``eoa`` (one sender), ``contract`` (one bot contract,
    ``sandwicher``) or ``shape`` (mev-inspect's definition, not judged).
    """

    sandwicher: str
    frontrun: SwapRecord
    victims: tuple[SwapRecord, ...]
    backrun: SwapRecord
    tie: str = "shape"
    interleaved: int = 0  # others' opposite-direction swaps between the legs, in the pool

    @property
    def pool(self) -> str:
        return self.frontrun.pool

    @property
    def profit_token(self) -> str:
        return self.frontrun.token_in

    @property
    def profit(self) -> int:
        return self.backrun.amount_out - self.frontrun.amount_in

    @property
    def operators(self) -> tuple[str, ...]:
        return tuple(sorted({self.frontrun.tx_from, self.backrun.tx_from}))

    @property
    def actors(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((self.sandwicher, *self.operators)))


def _direction(a: SwapRecord, b: SwapRecord) -> str | None:
    if a.token_in == b.token_in and a.token_out == b.token_out:
        return "same"
    if a.token_in == b.token_out and a.token_out == b.token_in:
        return "opposite"
    return None  # another pair of a multi-token pool


def bracket(front: SwapRecord, later: Sequence[SwapRecord], book: IntermediaryBook
            ) -> Sandwich | None:
    """The sandwich that ``front`` opens among the pool's ``later`` swaps, tied by bot."""
    eoa = front.tx_from
    bot = None if front.recipient == eoa or book.is_intermediary(front.recipient) \
        else front.recipient
    victims: list[SwapRecord] = []
    interleaved = 0
    for other in later:
        way = _direction(front, other)
        if other.tx_hash == front.tx_hash or way is None:
            continue
        ours = other.tx_from == eoa or (bot is not None and bot in (other.sender,
                                                                    other.recipient))
        if way == "same":
            if not ours:
                victims.append(other)
            continue
        if not ours:
            interleaved += 1
            continue
        if not victims:
            return None  # the bot's (or trader's) own round trip: nobody in between
        tie = "contract" if bot is not None and other.sender == bot else "eoa"
        if tie == "eoa" and other.tx_from != eoa:
            return None
        return Sandwich(bot if bot is not None and tie == "contract" else eoa, front,
                        tuple(victims), other, tie, interleaved)
    return None


def _by_pool(swaps: Sequence[SwapRecord]) -> dict[str, list[SwapRecord]]:
    pools: dict[str, list[SwapRecord]] = defaultdict(list)
    for s in sorted(swaps, key=block_order):
        if s.error is None:
            pools[s.pool].append(s)
    return pools


def bot_sandwiches(swaps: Sequence[SwapRecord], book: IntermediaryBook) -> list[Sandwich]:
    """Every bot-tied sandwich shape in one block's swaps, not yet judged."""
    found = []
    for seq in _by_pool(swaps).values():
        # NOTE: a front-run needs a later swap paying in what it bought, by the same
        # sender or through its receiving contract; the last index of each such
        # (actor, token) skips the quadratic scan for every other swap of a busy pool.
        last: dict[tuple[str | None, str], int] = {}
        for i, swap in enumerate(seq):
            last[(swap.tx_from, swap.token_in)] = last[(swap.sender, swap.token_in)] = i
        for i, front in enumerate(seq):
            if max(last.get((front.tx_from, front.token_out), -1),
                   last.get((front.recipient, front.token_out), -1)) <= i:
                continue
            shape = bracket(front, seq[i + 1:], book)
            if shape is not None:
                found.append(shape)
    return sorted(found, key=lambda s: (block_order(s.frontrun), s.pool))


def find_sandwiches(swaps: Sequence[SwapRecord], routers: frozenset[str] = ROUTERS
                    ) -> list[Sandwich]:
    """mev-inspect-py's sandwiches in one block's swaps (front recipient sends the back)."""
    ordered = sorted(swaps, key=block_order)
    pools = frozenset(s.pool for s in ordered)
    found = []
    for i, front in enumerate(ordered):
        attacker = front.recipient
        if attacker in routers or attacker in pools:
            continue
        victims: list[SwapRecord] = []
        for other in ordered[i + 1:]:
            if other.tx_hash == front.tx_hash or other.pool != front.pool:
                continue
            way = _direction(front, other)
            if way == "same" and other.sender != attacker:
                victims.append(other)
            elif way == "opposite" and other.sender == attacker and victims:
                found.append(Sandwich(attacker, front, tuple(victims), other))
                break
    return found
