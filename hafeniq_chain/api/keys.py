"""API keys: generated once, shown once, stored only as a SHA-256 hash with scopes.

A key looks like ``hq_<prefix>_<secret>``; the prefix is stored in clear so a human
can tell keys apart and so lookup is one indexed read, the secret never is.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

import asyncpg

ALL_SCOPES = ("events:write", "withdrawals:score", "alerts:read", "alerts:feedback",
              "entities:read", "incidents:read", "forecast:admin")
WILDCARD = "*"


@dataclass(frozen=True)
class ApiKeyRecord:
    """What a verified key grants: its tenant and scopes."""

    key_id: int
    tenant: str
    scopes: tuple[str, ...]

    def allows(self, scope: str) -> bool:
        return WILDCARD in self.scopes or scope in self.scopes


def hash_key(key: str) -> str:
    """SHA-256 of the full key; high-entropy secrets need no slow KDF."""
    return hashlib.sha256(key.encode()).hexdigest()


def split_prefix(key: str) -> str | None:
    """The stored prefix part (``hq_xxxxxxxx``) of a well-formed key, else None."""
    parts = key.split("_")
    if len(parts) != 3 or parts[0] != "hq" or len(parts[1]) != 8 or not parts[2]:
        return None
    return f"hq_{parts[1]}"


async def create_api_key(pool: asyncpg.Pool, tenant: str, scopes: list[str]) -> str:
    """Create and store a key for ``tenant``; returns the only copy of the full key."""
    unknown = [s for s in scopes if s != WILDCARD and s not in ALL_SCOPES]
    if unknown:
        raise ValueError(f"unknown scope(s) {unknown}; known: {', '.join(ALL_SCOPES)} or *")
    if not tenant.strip():
        raise ValueError("tenant must not be empty")
    prefix = secrets.token_hex(4)
    key = f"hq_{prefix}_{secrets.token_urlsafe(32).replace('_', '-')}"
    await pool.execute(
        "INSERT INTO api_keys (tenant, key_prefix, key_hash, scopes) VALUES ($1, $2, $3, $4)",
        tenant, f"hq_{prefix}", hash_key(key), scopes or list(ALL_SCOPES),
    )
    return key


async def verify_api_key(pool: asyncpg.Pool, key: str) -> ApiKeyRecord | None:
    """The record for a valid, unrevoked key; None for anything else (no detail leaks)."""
    prefix = split_prefix(key)
    if prefix is None:
        return None
    row = await pool.fetchrow(
        "SELECT id, tenant, key_hash, scopes FROM api_keys"
        " WHERE key_prefix = $1 AND revoked_at IS NULL", prefix)
    if row is None or not hmac.compare_digest(row["key_hash"], hash_key(key)):
        return None
    return ApiKeyRecord(row["id"], row["tenant"], tuple(row["scopes"]))
