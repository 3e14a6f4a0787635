"""API keys: shown once, stored as SHA-256 only, scoped per tenant and route."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg

SCOPES = frozenset({"alerts:read", "alerts:feedback", "events:write", "withdrawals:score",
                    "entities:read"})


@dataclass(frozen=True)
class ApiPrincipal:
    """Who is calling: the tenant and what the key may do."""

    tenant: str
    scopes: frozenset[str]
    key_prefix: str


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


async def create_api_key(pool: asyncpg.Pool, tenant: str, scopes: Sequence[str]) -> str:
    """Create a key and return it; only its hash is stored, so it cannot be shown again."""
    unknown = set(scopes) - SCOPES
    if unknown:
        raise ValueError(f"unknown scope(s) {sorted(unknown)}; known: {sorted(SCOPES)}")
    if not tenant.strip():
        raise ValueError("tenant must not be empty")
    prefix = secrets.token_hex(4)
    key = f"hq_{prefix}_{secrets.token_urlsafe(32)}"
    await pool.execute("INSERT INTO api_keys (tenant, key_prefix, key_hash, scopes) "
                       "VALUES ($1, $2, $3, $4)", tenant, prefix, _hash(key), sorted(scopes))
    return key


async def principal_for(pool: asyncpg.Pool, key: str) -> ApiPrincipal | None:
    """The principal behind a presented key, or None if unknown or revoked."""
    parts = key.split("_", 2)  # NOTE: the secret part may itself contain "_"
    if len(parts) != 3 or parts[0] != "hq":
        return None
    row = await pool.fetchrow("SELECT tenant, scopes, key_hash FROM api_keys WHERE key_prefix "
                              "= $1 AND revoked_at IS NULL", parts[1])
    if row is None or not secrets.compare_digest(row["key_hash"], _hash(key)):
        return None
    return ApiPrincipal(row["tenant"], frozenset(row["scopes"]), parts[1])
