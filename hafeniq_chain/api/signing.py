"""HMAC request signatures with a timestamp, and a replay guard stored in Postgres.

The client sends ``X-Hafeniq-Timestamp: <unix seconds>`` and
``X-Hafeniq-Signature: sha256=<hex hmac(secret, "<timestamp>." + body)>``. A signature
outside the tolerance window is stale; one inside it is accepted once only.
"""

from __future__ import annotations

import hashlib
import hmac
import time

import asyncpg

TIMESTAMP_HEADER = "X-Hafeniq-Timestamp"
SIGNATURE_HEADER = "X-Hafeniq-Signature"


class SignatureError(Exception):
    """A signature problem, worded for the client."""


def sign_body(secret: str, timestamp: int, body: bytes) -> str:
    """The header value a client sends for ``body`` at ``timestamp``."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def check_signature(secret: str, timestamp_header: str | None, signature_header: str | None,
                    body: bytes, tolerance_s: int, now: float | None = None) -> str:
    """Validate headers and MAC; returns the signature so the caller can guard replays."""
    if not timestamp_header or not signature_header:
        raise SignatureError(f"missing {TIMESTAMP_HEADER} or {SIGNATURE_HEADER} header")
    try:
        timestamp = int(timestamp_header)
    except ValueError:
        raise SignatureError(f"{TIMESTAMP_HEADER} must be an integer unix time") from None
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance_s:
        raise SignatureError(f"{TIMESTAMP_HEADER} is outside the {tolerance_s}s tolerance")
    expected = sign_body(secret, timestamp, body)
    if not hmac.compare_digest(expected, signature_header.strip()):
        raise SignatureError(f"{SIGNATURE_HEADER} does not match the body")
    return expected


async def remember_signature(pool: asyncpg.Pool, signature: str, tolerance_s: int) -> None:
    """Record a used signature; a second use inside the window is a replay."""
    inserted = await pool.fetchval(
        "INSERT INTO api_signature_nonces (signature) VALUES ($1)"
        " ON CONFLICT DO NOTHING RETURNING 1", signature)
    if inserted is None:
        raise SignatureError("signature already used (replayed request)")
    await pool.execute(
        "DELETE FROM api_signature_nonces WHERE seen_at < now() - make_interval(secs => $1)",
        float(tolerance_s * 2))
