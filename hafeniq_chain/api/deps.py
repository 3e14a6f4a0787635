"""Request dependencies: the pool and scope-checked authentication."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import asyncpg
from fastapi import Depends, HTTPException, Request
from fastapi.security import APIKeyHeader

from hafeniq_chain.api.keys import ApiPrincipal, principal_for

_api_key = APIKeyHeader(name="X-API-Key", auto_error=False)


def get_pool(request: Request) -> asyncpg.Pool:
    pool: asyncpg.Pool = request.app.state.pool
    return pool


def require(scope: str) -> Callable[..., Awaitable[ApiPrincipal]]:
    """Dependency: a valid key (401 otherwise) carrying ``scope`` (403 otherwise)."""
    async def check(key: str | None = Depends(_api_key),
                    pool: asyncpg.Pool = Depends(get_pool)) -> ApiPrincipal:
        if not key:
            raise HTTPException(401, "missing API key (X-API-Key header)")
        principal = await principal_for(pool, key)
        if principal is None:
            raise HTTPException(401, "invalid or revoked API key")
        if scope not in principal.scopes:
            raise HTTPException(403, f"this key lacks the {scope!r} scope")
        return principal
    return check
