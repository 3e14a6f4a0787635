"""What a scored withdrawal stores: its event, its decision and its audit link, as columns.

Shared by the group commit's two paths (``decision_writer``'s careful one and
``decision_fast_write``), so both store the same rows and hash the same links.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import orjson

from hafeniq_chain.audit import canonical_json, link_hash
from hafeniq_chain.offchain.types import ScoredWithdrawal

SCORING_SCOPE = "withdrawals:score"
AUDIT_KIND = "withdrawal_decision"

# The keys among $1 that no longer grant scope $2 (revoked, or the scope removed).
REJECTED_KEYS = """
SELECT k.id FROM unnest($1::bigint[]) AS k(id)
WHERE NOT EXISTS (SELECT 1 FROM api_keys a WHERE a.id = k.id AND a.revoked_at IS NULL
                  AND ('*' = ANY(a.scopes) OR $2 = ANY(a.scopes)))
"""


class KeyRejected(Exception):
    """The request's API key was revoked (or lost the scoring scope) before its commit."""


async def check_key(conn: asyncpg.Connection, key_id: int | None) -> None:
    """Raise ``KeyRejected`` unless ``key_id`` (None: no key) still grants scoring; for
    writes made before the group commit (an incident update)."""
    if key_id is not None and await conn.fetch(REJECTED_KEYS, [key_id], SCORING_SCOPE):
        raise KeyRejected()


@dataclass
class PendingDecision:
    """One request's rows, waiting for the next group commit."""

    req: ScoredWithdrawal
    event_payload: dict[str, Any]
    score: int
    action: str
    reason_codes: list[str]
    details: dict[str, Any]
    done: asyncio.Future[int | None] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future())

    @property
    def subject(self) -> str:
        return f"withdrawal:{self.req.request_id}"

    @property
    def req_key(self) -> tuple[str, str]:
        """(tenant, request id): what makes a request a retry of another."""
        return self.req.tenant, self.req.request_id


def key_ids(batch: list[PendingDecision]) -> list[int]:
    return sorted({i.req.key_id for i in batch if i.req.key_id is not None})


def _json(value: Any) -> str:
    """JSON text for a jsonb column (not hashed, so any key order will do)."""
    return orjson.dumps(value, default=str).decode()


def event_columns(batch: list[PendingDecision]) -> list[list[Any]]:
    """tenant, event id, account, occurred at, payload (JSON text) of each request event."""
    return [[i.req.tenant for i in batch], [i.req.request_id for i in batch],
            [i.req.account_id for i in batch], [i.req.occurred_at for i in batch],
            [_json(i.event_payload) for i in batch]]


def decision_columns(batch: list[PendingDecision]) -> list[list[Any]]:
    """subject, tenant, score, action, reason codes and details (JSON text) of each one."""
    return [[i.subject for i in batch], [i.req.tenant for i in batch],
            [i.score for i in batch], [i.action for i in batch],
            [_json(i.reason_codes) for i in batch], [_json(i.details) for i in batch]]


def audit_links(batch: list[PendingDecision], ids: list[int], prev: str
                ) -> list[tuple[dict[str, Any], str, str]]:
    """(payload, prev hash, hash) of each decision's link, chained in order after ``prev``."""
    links = []
    for item, decision_id in zip(batch, ids, strict=True):
        # NOTE: round-trip through JSON so the hash covers what Postgres stores.
        payload = json.loads(canonical_json({
            "decision_id": decision_id, "score": item.score, "action": item.action,
            "tenant": item.req.tenant}))
        digest = link_hash(prev, AUDIT_KIND, item.subject, payload)
        links.append((payload, prev, digest))
        prev = digest
    return links
