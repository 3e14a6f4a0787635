"""A tiny seeded market for the MEV variant generator: constant-product pools and blocks
of decoded swaps, as a node's logs would give them (amounts, reserves before each swap,
payer and recipient, the transaction's sender and tip).

No node is needed: detectors read ``SwapRecord``s, so the variants are pure data and run
in milliseconds, over as many seeds as wanted. Amounts follow the pools' math (0.3% fee),
so profit and victim-harm figures are those a real pool would show.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field

from hafeniq_chain.decode.records import BlockBundle, PendingTxRecord, SwapRecord, TxRecord

E18 = 10**18
GWEI = 10**9


def address(rng: random.Random) -> str:
    return "0x" + rng.randbytes(20).hex()


@dataclass(frozen=True)
class ExpectedSandwich:
    """One labelled sandwich: what a detector must report exactly."""

    kind: str  # "sandwich" | "cross_block_sandwich"
    pool: str
    frontrun: str
    victims: tuple[str, ...]
    backrun: str


@dataclass
class Pool:
    """A constant-product pool; ``r`` maps token -> reserve."""

    address: str
    tokens: tuple[str, str]
    r: dict[str, int]
    fee_bps: int = 30

    def other(self, token: str) -> str:
        return self.tokens[1] if token == self.tokens[0] else self.tokens[0]

    def amount_for(self, token_in: str, amount_out: int) -> int:
        """The input of ``token_in`` that buys ``amount_out`` of the other token."""
        r_in, r_out = self.r[token_in], self.r[self.other(token_in)]
        return r_in * amount_out * 10_000 // ((r_out - amount_out) * (10_000 - self.fee_bps)) + 1

    def quote(self, token_in: str, amount_in: int) -> int:
        r_in, r_out = self.r[token_in], self.r[self.other(token_in)]
        eff = amount_in * (10_000 - self.fee_bps)
        return r_out * eff // (r_in * 10_000 + eff)


@dataclass
class Tx:
    """One transaction being built: its hash, place and sender."""

    hash: str
    index: int
    tx_from: str
    to: str | None
    tip: int
    private: bool = False
    logs: int = 0
    arrival: float = 0.0  # when it reached the public mempool (order only)


@dataclass
class BlockBuilder:
    """Swaps appended in block order, each priced against the pools' current reserves."""

    number: int
    rng: random.Random
    txs: list[Tx] = field(default_factory=list)
    swaps: list[SwapRecord] = field(default_factory=list)

    def tx(self, tx_from: str, to: str | None = None, tip: int | None = None,
           private: bool = False, after: Tx | None = None) -> Tx:
        """A new transaction at the end of the block. Public ones reached the mempool
        about in block order (jitter of +-10 places: builders order by tip, not by
        arrival); ``after``: it was sent in reaction to that transaction."""
        h = "0x" + hashlib.sha256(f"{self.number}:{len(self.txs)}:{self.rng.random()}"
                                  .encode()).hexdigest()
        arrival = self.number * 10_000 + len(self.txs) + self.rng.uniform(-10, 10)
        if after is not None:
            arrival = after.arrival + self.rng.uniform(0.01, 0.5)
        t = Tx(h, len(self.txs), tx_from, to,
               tip if tip is not None else self.rng.randint(1, 3) * GWEI, private,
               arrival=arrival)
        self.txs.append(t)
        return t

    def pending(self) -> list[PendingTxRecord]:
        """The public transactions as a mempool watcher saw them, in arrival order."""
        return [PendingTxRecord(hash=t.hash, first_seen_ms=int(t.arrival * 1000),
                                from_addr=t.tx_from, to_addr=t.to, value=0, input=b"",
                                max_priority_fee=t.tip)
                for t in sorted(self.txs, key=lambda t: t.arrival) if not t.private]

    def swap(self, tx: Tx, pool: Pool, token_in: str, amount_in: int, *,
             sender: str | None = None, recipient: str | None = None) -> SwapRecord:
        token_out = pool.other(token_in)
        out = pool.quote(token_in, amount_in)
        record = SwapRecord(
            block_number=self.number, tx_hash=tx.hash, tx_index=tx.index,
            position=f"log:{tx.logs}", protocol="uniswap_v2", pool=pool.address,
            tx_from=tx.tx_from, sender=sender or tx.tx_from, recipient=recipient or tx.tx_from,
            token_in=token_in, token_out=token_out, amount_in=amount_in, amount_out=out,
            source="log", reserve_in=pool.r[token_in], reserve_out=pool.r[token_out])
        pool.r[token_in] += amount_in
        pool.r[token_out] -= out
        tx.logs += 1
        self.swaps.append(record)
        return record

    def bundle(self, chain_id: int = 31337, base_fee: int = 10 * GWEI) -> BlockBundle:
        records = [TxRecord(hash=t.hash, block_number=self.number, tx_index=t.index,
                            from_addr=t.tx_from, to_addr=t.to, value=0, input=b"", status=1,
                            max_priority_fee=t.tip, max_fee=base_fee + t.tip,
                            effective_gas_price=base_fee + t.tip, private=t.private)
                   for t in self.txs]
        return BlockBundle(chain_id=chain_id, number=self.number,
                           hash="0x" + hashlib.sha256(str(self.number).encode()).hexdigest(),
                           parent_hash="0x" + hashlib.sha256(str(self.number - 1).encode())
                           .hexdigest(), timestamp=1_700_000_000 + 12 * self.number,
                           base_fee=base_fee, transactions=records, swaps=list(self.swaps))


@dataclass
class Market:
    """WETH, a few tokens, their WETH pools (one token with a second pool), one
    token-token pool, users and public routers; all drawn from the seed."""

    rng: random.Random
    weth: str
    tokens: list[str]
    pools: dict[str, Pool]  # name -> pool
    users: list[str]
    routers: list[str]

    @classmethod
    def make(cls, rng: random.Random, n_tokens: int = 5, n_users: int = 300) -> Market:
        weth = address(rng)
        tokens = [address(rng) for _ in range(n_tokens)]
        pools: dict[str, Pool] = {}
        for i, tok in enumerate(tokens):
            pools[f"w{i}"] = cls._pool(rng, weth, tok)
        pools["w0b"] = cls._pool(rng, weth, tokens[0])  # the same tokens, another pool
        pools["t01"] = cls._pool(rng, tokens[0], tokens[1])
        return cls(rng, weth, tokens, pools, [address(rng) for _ in range(n_users)],
                   [address(rng) for _ in range(2)])

    @staticmethod
    def _pool(rng: random.Random, a: str, b: str) -> Pool:
        pair = (a, b) if a < b else (b, a)  # token0 < token1, as Uniswap orders them
        return Pool(address(rng), pair, {a: rng.randint(200, 5_000) * E18,
                                         b: rng.randint(10**4, 10**7) * E18})

    def size(self, pool: Pool, token_in: str, lo: float, hi: float) -> int:
        """An input of lo..hi of the pool's reserve of ``token_in``."""
        return int(pool.r[token_in] * self.rng.uniform(lo, hi))

    def background(self, b: BlockBuilder, n: int, pools: list[Pool] | None = None) -> None:
        """``n`` ordinary swaps: direct, through a router, multi-hop through WETH."""
        rng = self.rng
        pools = pools or list(self.pools.values())
        for _ in range(n):
            user = rng.choice(self.users)
            pool = rng.choice(pools)
            tin = rng.choice(pool.tokens)
            amount = self.size(pool, tin, 0.0002, 0.006)
            how = rng.random()
            if how < 0.4:
                b.swap(b.tx(user, pool.address), pool, tin, amount)
            elif how < 0.8:
                router = rng.choice(self.routers)
                tx = b.tx(user, router)
                eth_in, eth_out = tin == self.weth, pool.other(tin) == self.weth
                b.swap(tx, pool, tin, amount, sender=router if eth_in else user,
                       recipient=router if eth_out else user)
            elif (route := self.weth_route(pools)) is not None:
                self.multihop(b, b.tx(user, rng.choice(self.routers)), route, 0.003)

    def weth_route(self, among: list[Pool]) -> tuple[Pool, Pool] | None:
        """Two WETH pools (of ``among``) of different tokens: token A -> WETH -> token B."""
        choices = [p for k, p in self.pools.items()
                   if k.startswith("w") and k != "w0b" and p in among]
        if len(choices) < 2:
            return None
        first, second = self.rng.sample(choices, 2)
        return first, second

    def multihop(self, b: BlockBuilder, tx: Tx, route: tuple[Pool, Pool], share: float,
                 forward: bool = True) -> tuple[SwapRecord, SwapRecord]:
        """token -> WETH in ``route[0]``, WETH -> token in ``route[1]`` (pool to pool)."""
        first, second = route if forward else route[::-1]
        tin = first.other(self.weth)
        hop1 = b.swap(tx, first, tin, self.size(first, tin, share / 2, share),
                      recipient=second.address)
        hop2 = b.swap(tx, second, self.weth, hop1.amount_out, sender=first.address)
        return hop1, hop2


Built = tuple[list[BlockBuilder], list[ExpectedSandwich]]  # one case: its blocks and labels
