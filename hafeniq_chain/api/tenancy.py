"""Which rows a key's tenant may see or change: the one place tenancy rules live.

Why: every off-chain table carries its tenant (events, decisions, incidents through
``details.tenant``), but alerts and feedback reached them only through an incident, and
the read routes once forgot to join it, so tenant B read tenant A's alerts and changed
shared calibration with feedback on them. Here an alert belongs to the tenant of its
incident; an alert with no tenant (on-chain monitoring the operator runs) belongs to the
operator tenant (``api.operator_tenant``), or is shared by every key when none is
configured (a single-organisation install). A row of another tenant is reported as
missing (404), never as forbidden, so its existence does not leak.
"""

from __future__ import annotations

import asyncpg

from hafeniq_chain.api.keys import ApiKeyRecord
from hafeniq_chain.core.settings import ApiSettings

# An alert's tenant: its incident's ``details.tenant`` (NULL for on-chain alerts).
ALERT_TENANT = "(SELECT i.details->>'tenant' FROM incidents i WHERE i.id = a.incident_id)"
# $1 = the key's tenant, $2 = may it see tenant-less (operator) alerts.
VISIBLE_ALERT = f"(COALESCE({ALERT_TENANT} = $1, $2::boolean))"


def sees_operator_rows(key: ApiKeyRecord, api: ApiSettings) -> bool:
    """May ``key`` see and judge tenant-less (on-chain) alerts and act for all tenants?"""
    return api.operator_tenant is None or key.tenant == api.operator_tenant


def is_operator(key: ApiKeyRecord, api: ApiSettings) -> bool:
    """Is ``key`` the configured operator's (may retrain every tenant's forecasts)?"""
    return api.operator_tenant is not None and key.tenant == api.operator_tenant


async def alert_visible(pool: asyncpg.Pool, key: ApiKeyRecord, api: ApiSettings,
                        alert_id: int) -> bool:
    """Does alert ``alert_id`` exist and belong to ``key``'s tenant (or the operator)?"""
    return bool(await pool.fetchval(
        f"SELECT EXISTS (SELECT 1 FROM alerts a WHERE a.id = $3 AND {VISIBLE_ALERT})",
        key.tenant, sees_operator_rows(key, api), alert_id))
