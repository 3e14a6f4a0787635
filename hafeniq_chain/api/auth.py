"""FastAPI dependencies: API key (401), scope (403), optional HMAC signature (401)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import HTTPException, Request

from hafeniq_chain.api.keys import ApiKeyRecord, verify_api_key
from hafeniq_chain.api.signing import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    SignatureError,
    check_signature,
    remember_signature,
)
from hafeniq_chain.api.state import ApiState


def _presented_key(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return request.headers.get("x-api-key") or None


def rejected_key() -> HTTPException:
    """The 401 for a key that is unknown, malformed or revoked (no detail leaks)."""
    return HTTPException(401, "invalid or revoked API key",
                         headers={"WWW-Authenticate": "Bearer"})


def require_scope(scope: str, *, remembered: bool = False
                  ) -> Callable[[Request], Awaitable[ApiKeyRecord]]:
    """A dependency that authenticates the caller and checks ``scope``.

    ``remembered=True`` recognises a key verified before from memory (``KnownKeys``); only
    for a route whose write confirms the key in its own transaction, as scoring does.
    """

    async def dependency(request: Request) -> ApiKeyRecord:
        state: ApiState = request.app.state.hafeniq
        key = _presented_key(request)
        if key is None:
            raise HTTPException(401, "missing API key (Authorization: Bearer <key>)",
                                headers={"WWW-Authenticate": "Bearer"})
        record = await (state.known_keys.verify(key) if remembered
                        else verify_api_key(state.pool, key))
        if record is None:
            raise rejected_key()
        if not record.allows(scope):
            raise HTTPException(403, f"API key lacks scope {scope!r}")
        await _check_signature(request, state)
        return record

    return dependency


async def _check_signature(request: Request, state: ApiState) -> None:
    """Verify the HMAC when one is sent, and insist on it when the config requires it."""
    api = state.settings.api
    presented = request.headers.get(SIGNATURE_HEADER) or request.headers.get(TIMESTAMP_HEADER)
    if not presented and not api.require_signature:
        return
    if api.signing_secret is None:
        raise HTTPException(401, "signatures are not configured on this server")
    try:
        signature = check_signature(
            api.signing_secret.get_secret_value(), request.headers.get(TIMESTAMP_HEADER),
            request.headers.get(SIGNATURE_HEADER), await request.body(),
            api.signature_tolerance_s)
        await remember_signature(state.pool, signature, api.signature_tolerance_s)
    except SignatureError as exc:
        raise HTTPException(401, str(exc)) from None
