"""Webhook signatures: HMAC-SHA256 over ``timestamp.body`` (the README shows how to verify),
and Standard Webhooks (standardwebhooks.com) as an option beside it."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """Hex HMAC-SHA256 of ``f"{timestamp}.".encode() + body`` under ``secret``."""
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body,
                    hashlib.sha256).hexdigest()


def standard_signature(secret: str, msg_id: str, timestamp: str, body: bytes) -> str:
    """Standard Webhooks ``webhook-signature`` value: ``v1,<base64 HMAC-SHA256>`` of
    ``msg_id.timestamp.body`` under the base64 key of a ``whsec_...`` secret."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    digest = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def is_standard_secret(secret: str) -> bool:
    """A ``whsec_<base64>`` secret of 24 to 64 key bytes (what Standard Webhooks issue)."""
    try:
        key = base64.b64decode(secret.removeprefix("whsec_"), validate=True)
    except (ValueError, binascii.Error):
        return False
    return secret.startswith("whsec_") and 24 <= len(key) <= 64
