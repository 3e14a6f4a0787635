"""Keyed pseudonymisation of identifiers before they are stored.

HMAC-SHA256 with an operator key keeps identifiers linkable (baselines still work)
while a leaked database does not reveal IPs, API keys or account ids; the platform,
holding the same key, can map a pseudonym back to its own account.
"""

from __future__ import annotations

import hashlib
import hmac

from hafeniq_chain.core.settings import PrivacySettings
from hafeniq_chain.log import get_logger

log = get_logger(__name__)
PSEUDONYM_FIELDS = ("account_id", "ip", "api_key_fingerprint", "session_id")


class Pseudonymiser:
    """Maps identifiers to stable pseudonyms (or leaves them as they are when disabled)."""

    def __init__(self, enabled: bool, key: bytes | None) -> None:
        self.enabled = enabled
        self._key = key
        if enabled and key is None:
            log.warning("api.pseudonym_key_missing",
                        hint="set HAFENIQ_PRIVACY__PSEUDONYM_KEY; using an unkeyed hash")

    @classmethod
    def from_settings(cls, privacy: PrivacySettings) -> Pseudonymiser:
        key = privacy.pseudonym_key.get_secret_value().encode() if privacy.pseudonym_key else None
        return cls(privacy.pseudonymise, key)

    def apply(self, value: str | None) -> str | None:
        """The pseudonym of ``value`` (None stays None)."""
        if value is None or not self.enabled:
            return value
        if self._key is None:
            return "p_" + hashlib.sha256(value.encode()).hexdigest()[:32]
        return "p_" + hmac.new(self._key, value.encode(), hashlib.sha256).hexdigest()[:32]
