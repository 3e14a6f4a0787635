"""Near-identical calldata: two calls that differ only inside one address-sized span.

Why: copycats of an exploit (Nomad 2022) re-send the first attacker's calldata with their
own address swapped in, whether the address sits in an ABI word or inside packed bytes.
XOR of the two inputs as integers gives the differing span in two ``bit_length`` calls.
"""

from __future__ import annotations

ADDRESS_SPAN = 32  # bytes: one ABI word, enough for a 20-byte address anywhere inside it


def differing_span(a: bytes, b: bytes) -> tuple[int, int] | None:
    """[start, end) byte range where equal-length ``a`` and ``b`` differ; None if equal."""
    if len(a) != len(b):
        raise ValueError("differing_span needs inputs of equal length")
    x = int.from_bytes(a, "big") ^ int.from_bytes(b, "big")
    if x == 0:
        return None
    low_byte = ((x & -x).bit_length() - 1) // 8   # counted from the end
    high_byte = (x.bit_length() - 1) // 8
    return len(a) - 1 - high_byte, len(a) - low_byte


def swapped_address(template: bytes, call: bytes, candidates: set[str]) -> str | None:
    """The candidate address that ``call`` carries where it differs from ``template``.

    None when the inputs differ in more than one address-sized span, or when no candidate
    (e.g. a recipient of the call's payout) covers the differing bytes.
    """
    if len(template) != len(call):
        return None
    span = differing_span(template, call)
    if span is None or span[1] - span[0] > ADDRESS_SPAN:
        return None
    for address in candidates:
        raw = bytes.fromhex(address[2:])
        at = call.find(raw)
        while at != -1:
            if at <= span[0] and span[1] <= at + len(raw):
                return address
            at = call.find(raw, at + 1)
    return None
