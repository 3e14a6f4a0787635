"""Bounds that depend on configuration and the clock, checked before anything is stored.

Why: the models refuse what is malformed (non-finite or exponent-form amounts); here an
amount above the asset's configured maximum, an ``occurred_at`` further in the future
than the tolerance (year 2999 collapsed the platform baseline), or older than raw events
are retained (it would be purged at once and skew baselines) is refused with 422 naming
the field, exactly like a validation error.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from fastapi.exceptions import RequestValidationError

from hafeniq_chain.config import Settings


def _error(loc: tuple[Any, ...], message: str) -> dict[str, Any]:
    return {"loc": ("body", *loc), "msg": message, "type": "value_error"}


def bound_errors(settings: Settings, asset: str | None, amount: Decimal | None,
                 occurred_at: datetime, prefix: tuple[Any, ...] = (),
                 now: datetime | None = None) -> list[dict[str, Any]]:
    """The bound violations of one request or event (empty when it is acceptable)."""
    w = settings.withdrawals
    now = now or datetime.now(UTC)
    errors = []
    if amount is not None and asset is not None:
        limit = w.max_amount_per_asset.get(asset, w.max_amount)
        if amount > limit:
            errors.append(_error((*prefix, "amount"),
                                 f"above the configured maximum {limit} for {asset}"))
    if occurred_at > now + timedelta(seconds=w.future_tolerance_s):
        errors.append(_error((*prefix, "occurred_at"),
                             f"more than {w.future_tolerance_s} s in the future"))
    retention = settings.store.raw_event_retention_days
    if occurred_at < now - timedelta(days=retention):
        errors.append(_error((*prefix, "occurred_at"),
                             f"older than the {retention}-day retention window"))
    return errors


def check_bounds(errors: list[dict[str, Any]]) -> None:
    """Raise the 422 that names every violated field."""
    if errors:
        raise RequestValidationError(errors)
