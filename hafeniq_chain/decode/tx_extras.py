"""The fields of blob (type 3) and set-code (type 4, EIP-7702) transactions.

Blob transactions carry versioned hashes and a blob fee; their receipts say what the
blobs cost. A set-code transaction carries an authorization list: each entry lets an EOA
(the *authority*) delegate its code to a contract. The authority is not in the entry; it
is recovered from the entry's signature over ``keccak(0x05 || rlp([chain_id, address,
nonce]))``, as a node does. It is the security-relevant part: an EOA whose code now points
at someone's contract (a common drainer trick) is visible only through it.
"""

from __future__ import annotations

from typing import Any

import rlp
from eth_keys.datatypes import Signature
from eth_keys.exceptions import BadSignature
from eth_utils.crypto import keccak

from hafeniq_chain.log import get_logger
from hafeniq_chain.metrics import DECODE_ERRORS

log = get_logger(__name__)

SET_CODE_MAGIC = b"\x05"


def _int(value: Any) -> int:
    return value if isinstance(value, int) else int(str(value), 16)


def authority(entry: dict[str, Any]) -> str | None:
    """The EOA that signed one authorization, or None when the signature is invalid
    (a node skips such an entry; so do we, counted)."""
    try:
        address = bytes.fromhex(str(entry["address"])[2:])
        digest = keccak(SET_CODE_MAGIC + rlp.encode(
            [_int(entry["chainId"]), address, _int(entry["nonce"])]))
        y_parity = _int(entry.get("yParity", entry.get("v", 0)))
        signature = Signature(vrs=(y_parity, _int(entry["r"]), _int(entry["s"])))
        return str(signature.recover_public_key_from_msg_hash(digest)
                   .to_checksum_address()).lower()
    except (KeyError, ValueError, BadSignature) as exc:
        DECODE_ERRORS.labels(kind="authorization").inc()
        log.warning("decode.authorization_invalid", error=str(exc)[:200])
        return None


def authorization_list(tx: dict[str, Any]) -> list[dict[str, Any]] | None:
    """A set-code transaction's authorizations: chain id, delegate address, nonce and the
    recovered authority; None for other transactions."""
    entries = tx.get("authorizationList")
    if entries is None:
        return None
    return [{"chain_id": _int(e["chainId"]), "address": str(e["address"]).lower(),
             "nonce": _int(e["nonce"]), "authority": authority(e)} for e in entries]


def blob_fields(tx: dict[str, Any], receipt: dict[str, Any]
                ) -> tuple[tuple[str, ...] | None, int | None, int | None, int | None]:
    """(versioned hashes, max fee per blob gas, blob gas used, blob gas price)."""
    hashes = tx.get("blobVersionedHashes")
    return (tuple(h.lower() for h in hashes) if hashes is not None else None,
            _opt(tx.get("maxFeePerBlobGas")), _opt(receipt.get("blobGasUsed")),
            _opt(receipt.get("blobGasPrice")))


def _opt(value: Any) -> int | None:
    return None if value is None else _int(value)
