"""Plain-data builders for pre-inclusion tests: pending router swaps and the mined swaps of
the block that includes them (one pool, two tokens, a bot and a victim)."""

from __future__ import annotations

from eth_abi.abi import encode

from hafeniq_chain.decode.records import BlockBundle, PendingTxRecord, SwapRecord

ROUTER = "0x7a250d5630b4cf539739df2c5dacb4c659f2488d"
PAIR = "0x" + "99" * 20
TOKEN_A, TOKEN_B = "0x" + "0a" * 20, "0x" + "0b" * 20
VICTIM, BOT, OTHER = "0x" + "01" * 20, "0x" + "02" * 20, "0x" + "03" * 20


def router_swap(h: str, sender: str, tip: int, path: list[str], nonce: int = 0
                 ) -> PendingTxRecord:
    data = bytes.fromhex("38ed1739") + encode(
        ["uint256", "uint256", "address[]", "address", "uint256"], [10**18, 0, path, sender, 9])
    return PendingTxRecord(hash=h, first_seen_ms=0, from_addr=sender, to_addr=ROUTER, value=0,
                           input=data, nonce=nonce, max_priority_fee=tip)


def mined_swap(h: str, idx: int, actor: str, tin: str, tout: str, amount_out: int = 100,
               via: str | None = None) -> SwapRecord:
    """``via``: the bot contract that receives and pays (legs sent by ``actor``)."""
    return SwapRecord(block_number=10, tx_hash=h, tx_index=idx, position="log:0",
                      protocol="uniswap_v2", pool=PAIR, tx_from=actor, sender=via or actor,
                      recipient=via or actor, token_in=tin, token_out=tout, amount_in=100,
                      amount_out=amount_out, source="log")


def block_of(number: int, swaps: list[SwapRecord]) -> BlockBundle:
    return BlockBundle(chain_id=1, number=number, hash=f"0x{number:064x}",
                       parent_hash=f"0x{number - 1:064x}", timestamp=0, swaps=swaps)


def sandwich_block(number: int, victims: list[str], back_from: str = BOT,
                   via: str | None = None) -> BlockBundle:
    """Front-run, the victims, back-run (unwinds at a profit): the sandwich the pending
    legs announced; ``back_from``/``via``: another operator of bot contract ``via``."""
    return block_of(number, [mined_swap("0xf", 0, BOT, TOKEN_A, TOKEN_B, via=via),
                             *[mined_swap(v, i + 1, VICTIM, TOKEN_A, TOKEN_B)
                               for i, v in enumerate(victims)],
                             mined_swap("0xb", 9, back_from, TOKEN_B, TOKEN_A, 110, via)])
