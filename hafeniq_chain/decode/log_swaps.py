"""SwapRecords from event logs, recognised by event signature (so every fork that emits
the same event decodes too: SushiSwap and other V2/V3 copies).

- Uniswap V2 ``Swap`` / V3 ``Swap``: amounts are the event's (the pool's own accounting,
  exact also for fee-on-transfer tokens, whose Transfer events differ); which token went
  in and out, the payer and the recipient come from the Transfers into and out of the pool
  in the same transaction. Reserves before the swap: V2 from the ``Sync`` the pair emits
  just before, V3 from sqrtPrice and liquidity (virtual reserves of the active range).
- Uniswap V4 ``PoolManager``: one contract, pools keyed by id. ``Swap`` amounts are signed
  from the swapper's side (negative = paid in); the currencies come from the pool's
  ``Initialize``, remembered in ``V4Pools`` (a swap of a pool whose ``Initialize`` was
  never seen is skipped and counted). The pool is named by its id; the "sender" (the
  contract that unlocked the manager: a router, or a bot's own contract) is payer and
  recipient, since V4 settles balances per unlock, not per swap.
- Balancer V2 ``Vault`` ``Swap``: tokens and amounts in the event; the pool is the address
  in the first 20 bytes of the pool id; payer and recipient from the Transfers into and
  out of the Vault with exactly those amounts (else the transaction's sender).
- Curve ``TokenExchange`` (int128 and uint256 coin indexes) and
  ``TokenExchangeUnderlying``: amounts in the event, coins from the Transfers in the same
  transaction carrying exactly the sold and bought amounts (the pool's coins, or the base
  pool's for underlying exchanges). A leg in native ETH has no Transfer: skipped, counted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence

from hafeniq_chain.decode.records import LogRecord, SwapRecord, TransferRecord
from hafeniq_chain.log import get_logger

log = get_logger(__name__)

V2_SWAP = "0xd78ad95fa46c994b6551d0da85fc275fe613ce37657fb8d5e3d130840159d822"
V3_SWAP = "0xc42079f94a6350d7e6235f29174924f928cc2ac818eb64fed8004e115fbcca67"
V2_SYNC = "0x1c411e9a96e071241c2f21f7726b17ae89e3cab4c78be50e062b03a9fffbbad1"
V4_INITIALIZE = "0xdd466e674ea557f56295e2d0218a125ea4b4f0f6f3307b95f85e6110838d6438"
V4_SWAP = "0x40e9cecb9f5f1f1c5b9c97dec2917b7ee92e57ba5563708daca94dd84ad7112f"
V4_MODIFY_LIQUIDITY = "0xf208f4912782fd25c7f114ca3723a2d5dd6f3bcc3ac8db5af63baa85f711d5ec"
BALANCER_V2_SWAP = "0x2170c741c41531aec20e7c107c24eecfdd15e69c9bb0a8dd37b1840b9e0b207b"
CURVE_EXCHANGE = "0x8b3e96f2b889fa771c53c981b40daf005f63f637f1869f707052d15a3dd97140"
CURVE_EXCHANGE_V2 = "0xb2e76ae99761dc136e598d4a629bb347eccb9532a5f8bbd72e18467c3c34cc98"
CURVE_EXCHANGE_UNDERLYING = "0xd013ca23e77a65003c2c659c5442c00c805371b7fc1ebd4c206c41d1536bd90b"
Q96 = 2**96


def _word(data: bytes, i: int, signed: bool = False) -> int:
    if len(data) < 32 * (i + 1):
        raise ValueError("short event data")
    return int.from_bytes(data[32 * i:32 * i + 32], "big", signed=signed)


def _topic_address(topic: str) -> str:
    return "0x" + topic[-40:]


def _log_index(t: TransferRecord) -> int:
    return int(t.position.split(":")[1]) if t.position.startswith("log:") else -1


class V4Pools:
    """Uniswap V4 pool id -> (currency0, currency1), from ``Initialize`` logs."""

    def __init__(self) -> None:
        self.currencies: dict[tuple[str, str], tuple[str, str]] = {}

    def learn(self, logs: Sequence[LogRecord]) -> None:
        for lg in logs:
            if lg.topic0 == V4_INITIALIZE and len(lg.topics) >= 4:
                self.currencies[(lg.address, lg.topics[1])] = (
                    _topic_address(lg.topics[2]), _topic_address(lg.topics[3]))

    def of(self, manager: str, pool_id: str) -> tuple[str, str] | None:
        return self.currencies.get((manager, pool_id))


V4_POOLS = V4Pools()  # the process's memory of V4 pools (live follower, backfill, replay)


class _Tx:
    """One transaction's ERC-20 transfers and sender, for the per-event readers."""

    def __init__(self, tx_from: str, transfers: list[TransferRecord]) -> None:
        self.tx_from = tx_from
        self.transfers = transfers


def _record(lg: LogRecord, tx: _Tx, protocol: str, pool: str, sender: str | None,
            recipient: str, token_in: str, token_out: str, amount_in: int, amount_out: int,
            reserves: tuple[int, int] | None = None) -> SwapRecord:
    return SwapRecord(
        block_number=lg.block_number, tx_hash=lg.tx_hash, tx_index=lg.tx_index,
        position=f"log:{lg.log_index}", protocol=protocol, pool=pool, tx_from=tx.tx_from,
        sender=sender, recipient=recipient, token_in=token_in, token_out=token_out,
        amount_in=amount_in, amount_out=amount_out, source="log",
        reserve_in=reserves[0] if reserves else None,
        reserve_out=reserves[1] if reserves else None)


def _uniswap(lg: LogRecord, tx: _Tx, sync: LogRecord | None, pools: V4Pools
             ) -> SwapRecord | None:
    """V2 and V3 (and forks): tokens from the transfers around the event."""
    if len(lg.topics) < 3:
        return None
    recipient = _topic_address(lg.topics[2])
    t_in = [t for t in tx.transfers if t.to_addr == lg.address]
    t_out = [t for t in tx.transfers if t.from_addr == lg.address and t.to_addr == recipient]
    if not t_in or not t_out:
        return None
    # NOTE: the transfer in closest before this swap's log is the one that paid for it.
    paid = ([t for t in t_in if _log_index(t) < lg.log_index] or t_in)[-1]
    out = t_out[0]
    reserves: tuple[int, int] | None = None
    if lg.topic0 == V2_SWAP:
        a0_in, a1_in, a0_out, a1_out = (_word(lg.data, i) for i in range(4))
        amount_in, amount_out = (a0_in, a1_out) if a0_in > 0 else (a1_in, a0_out)
        if sync is not None:
            r0 = _word(sync.data, 0) - a0_in + a0_out
            r1 = _word(sync.data, 1) - a1_in + a1_out
            reserves = (r0, r1) if a0_in > 0 else (r1, r0)
        protocol = "uniswap_v2"
    else:
        a0, a1 = _word(lg.data, 0, True), _word(lg.data, 1, True)
        amount_in, amount_out = (a0, -a1) if a0 > 0 else (a1, -a0)
        sqrt_p, liquidity = _word(lg.data, 2), _word(lg.data, 3)
        if sqrt_p and liquidity:
            x, y = liquidity * Q96 // sqrt_p - a0, liquidity * sqrt_p // Q96 - a1
            reserves = (x, y) if a0 > 0 else (y, x)
        protocol = "uniswap_v3"
    return _record(lg, tx, protocol, lg.address, paid.from_addr, recipient, paid.token,
                   out.token, amount_in, amount_out, reserves)


def _uniswap_v4(lg: LogRecord, tx: _Tx, _: LogRecord | None, pools: V4Pools
                ) -> SwapRecord | None:
    currencies = pools.of(lg.address, lg.topics[1]) if len(lg.topics) >= 3 else None
    if currencies is None:
        return None
    locker = _topic_address(lg.topics[2])
    a0, a1 = _word(lg.data, 0, True), _word(lg.data, 1, True)  # swapper's side
    sqrt_p, liquidity = _word(lg.data, 2), _word(lg.data, 3)
    reserves = None
    if sqrt_p and liquidity:
        x, y = liquidity * Q96 // sqrt_p + a0, liquidity * sqrt_p // Q96 + a1
        reserves = (x, y) if a0 < 0 else (y, x)
    c0, c1 = currencies
    token_in, token_out, amount_in, amount_out = (c0, c1, -a0, a1) if a0 < 0 else \
        (c1, c0, -a1, a0)
    return _record(lg, tx, "uniswap_v4", lg.topics[1], locker, locker, token_in, token_out,
                   amount_in, amount_out, reserves)


def _balancer_v2(lg: LogRecord, tx: _Tx, _: LogRecord | None, pools: V4Pools
                 ) -> SwapRecord | None:
    if len(lg.topics) < 4:
        return None
    token_in, token_out = _topic_address(lg.topics[2]), _topic_address(lg.topics[3])
    amount_in, amount_out = _word(lg.data, 0), _word(lg.data, 1)
    paid = next((t for t in tx.transfers if t.token == token_in and t.to_addr == lg.address
                 and t.amount == amount_in), None)
    got = next((t for t in tx.transfers if t.token == token_out
                and t.from_addr == lg.address and t.amount == amount_out), None)
    return _record(lg, tx, "balancer_v2", "0x" + lg.topics[1][2:42],
                   paid.from_addr if paid else tx.tx_from, got.to_addr if got else tx.tx_from,
                   token_in, token_out, amount_in, amount_out)


def _curve(lg: LogRecord, tx: _Tx, _: LogRecord | None, pools: V4Pools) -> SwapRecord | None:
    if len(lg.topics) < 2:
        return None
    buyer = _topic_address(lg.topics[1])
    sold, bought = _word(lg.data, 1), _word(lg.data, 3)
    paid = next((t for t in tx.transfers if t.amount == sold
                 and (t.to_addr == lg.address or t.from_addr == buyer)), None)
    got = next((t for t in tx.transfers if t.amount == bought
                and (t.from_addr == lg.address or t.to_addr == buyer)), None)
    if paid is None or got is None or paid.token == got.token:
        return None  # a native-ETH leg (no Transfer event) or an ambiguous exchange
    return _record(lg, tx, "curve", lg.address, paid.from_addr, got.to_addr, paid.token,
                   got.token, sold, bought)


Reader = Callable[[LogRecord, _Tx, LogRecord | None, V4Pools], SwapRecord | None]
READERS: dict[str, tuple[str, Reader]] = {
    V2_SWAP: ("uniswap_v2", _uniswap), V3_SWAP: ("uniswap_v3", _uniswap),
    V4_SWAP: ("uniswap_v4", _uniswap_v4), BALANCER_V2_SWAP: ("balancer_v2", _balancer_v2),
    CURVE_EXCHANGE: ("curve", _curve), CURVE_EXCHANGE_V2: ("curve", _curve),
    CURVE_EXCHANGE_UNDERLYING: ("curve", _curve),
}


def swaps_from_logs(logs: Sequence[LogRecord], transfers: Sequence[TransferRecord],
                    tx_from: dict[str, str], v4_pools: V4Pools = V4_POOLS
                    ) -> list[SwapRecord]:
    """Every swap event of a block's logs, in log order; undecodable ones counted."""
    v4_pools.learn(logs)
    syncs = {(lg.tx_hash, lg.address, lg.log_index): lg for lg in logs if lg.topic0 == V2_SYNC}
    by_tx: dict[str, list[TransferRecord]] = {}
    for t in transfers:
        if t.token:
            by_tx.setdefault(t.tx_hash, []).append(t)
    swaps, skipped = [], Counter[str]()
    for lg in logs:
        reader = READERS.get(lg.topic0 or "")
        if reader is None:
            continue
        tx = _Tx(tx_from.get(lg.tx_hash, ""), by_tx.get(lg.tx_hash, []))
        try:
            swap = reader[1](lg, tx, syncs.get((lg.tx_hash, lg.address, lg.log_index - 1)),
                             v4_pools)
        except ValueError:
            swap = None
        if swap is None:
            skipped[reader[0]] += 1
        else:
            swaps.append(swap)
    if skipped:
        log.info("decode.swaps.skipped", block=logs[0].block_number, **dict(skipped))
    return swaps
