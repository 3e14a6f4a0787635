"""What request handlers share: the pool, the settings and the long-lived engines."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from hafeniq_chain.api.known_keys import KnownKeys
from hafeniq_chain.api.pseudonym import Pseudonymiser
from hafeniq_chain.api.tenant_router import TenantRouter
from hafeniq_chain.config import Settings
from hafeniq_chain.offchain.engine import WithdrawalRiskEngine


@dataclass
class ApiState:
    """Stored on ``app.state.hafeniq``; one per app instance."""

    pool: asyncpg.Pool
    settings: Settings
    pseudonymiser: Pseudonymiser
    engine: WithdrawalRiskEngine
    known_keys: KnownKeys
    tenants: TenantRouter | None = None  # scoring replicas: who scores which tenant
