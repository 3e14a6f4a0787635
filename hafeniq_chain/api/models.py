"""Request bodies: strict, metadata only, unknown fields refused.

Addresses are EVM hex and normalised to lower case; amounts are decimals (never
floats) so a USDT amount round-trips exactly.
"""

from __future__ import annotations

from decimal import Decimal
from ipaddress import IPv4Address, IPv6Address
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

EventKind = Literal["api_request", "login", "withdrawal_request", "api_key_use", "address_added"]
Identifier = Field(default=None, min_length=1, max_length=128)
ADDRESS_PATTERN = r"^0x[0-9a-fA-F]{40}$"
MAX_ROW_ID = 2**63 - 1  # bigint: a larger id cannot exist (and asyncpg refuses to send it)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _storable(cls, value: object) -> object:
        """PostgreSQL stores neither NUL characters nor unpaired surrogates (valid JSON
        escapes both): refuse them here, naming the field, rather than fail at storage."""
        if isinstance(value, str):
            if "\x00" in value:
                raise ValueError("must not contain NUL characters")
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise ValueError("must not contain unpaired surrogates") from None
        return value


def plain_decimal(value: object) -> object:
    """Refuse exponent forms (``"1e30"``, or a JSON number printed as ``1e+30``): an amount
    is sent as a plain decimal, so what the platform means is what is stored."""
    if isinstance(value, str) and "e" in value.lower():
        raise ValueError("exponent form is not accepted; send a plain decimal like 1234.56")
    if isinstance(value, float) and "e" in repr(value):
        raise ValueError("exponent form is not accepted; send a plain decimal like 1234.56")
    return value


class RequestContext(_Strict):
    """Who asked and from where: the signals session analysis and travel checks use."""

    api_key_fingerprint: str | None = Identifier
    ip: IPv4Address | IPv6Address | None = None
    asn: int | None = Field(default=None, ge=0, le=4_294_967_295)
    country: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    user_agent_hash: str | None = Identifier
    session_id: str | None = Identifier
    route: str | None = Field(default=None, min_length=1, max_length=256)


class OffchainEvent(RequestContext):
    """One event pushed by the customer's platform; ``event_id`` makes ingest idempotent."""

    event_id: str = Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:-]+$")
    kind: EventKind
    account_id: str | None = Identifier
    occurred_at: AwareDatetime
    destination: str | None = Field(default=None, pattern=ADDRESS_PATTERN)
    asset: str | None = Field(default=None, min_length=1, max_length=32)
    amount: Decimal | None = Field(default=None, ge=0, le=Decimal(10) ** 30,
                                   allow_inf_nan=False)

    _plain_amount = field_validator("amount", mode="before")(plain_decimal)

    @field_validator("destination")
    @classmethod
    def _lower(cls, value: str | None) -> str | None:
        return value.lower() if value else value


class EventBatch(_Strict):
    """Up to 1000 events per call."""

    events: list[OffchainEvent] = Field(min_length=1, max_length=1000)


class IngestResult(BaseModel):
    accepted: int
    duplicates: int


class WithdrawalRequest(RequestContext):
    """A withdrawal to score before the platform executes it."""

    request_id: str = Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:-]+$")
    account_id: str = Field(min_length=1, max_length=128)
    destination: str = Field(pattern=ADDRESS_PATTERN)
    asset: str = Field(min_length=1, max_length=32)
    amount: Decimal = Field(gt=0, le=Decimal(10) ** 30, allow_inf_nan=False)
    occurred_at: AwareDatetime

    _plain_amount = field_validator("amount", mode="before")(plain_decimal)

    @field_validator("destination")
    @classmethod
    def _lower(cls, value: str) -> str:
        return value.lower()
