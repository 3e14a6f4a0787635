"""Fixtures for API tests: settings with secrets, an app on a fresh database, keys."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from hafeniq_chain.api.app import create_app
from hafeniq_chain.api.keys import create_api_key
from hafeniq_chain.config import (
    ApiSettings,
    PrivacySettings,
    Settings,
    StoreSettings,
)

SIGNING_SECRET = "test-signing-secret"
PSEUDONYM_KEY = "test-pseudonym-key"


def make_settings(**api: Any) -> Settings:
    """Settings for tests; secrets passed directly rather than through the environment."""
    return Settings(
        # NOTE: the stories replay history of 2025-2026; keep it inside the retention.
        store=StoreSettings(data_dir=Path("/tmp/hafeniq-unused"),
                            raw_event_retention_days=3650),
        api=ApiSettings(signing_secret=SecretStr(SIGNING_SECRET), max_body_bytes=64 * 1024,
                        **api),
        privacy=PrivacySettings(pseudonym_key=SecretStr(PSEUDONYM_KEY)),
    )


@pytest.fixture
def settings() -> Settings:
    return make_settings()


@pytest.fixture
def app(pool: asyncpg.Pool, settings: Settings) -> FastAPI:
    return create_app(pool, settings)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as c:
        yield c


@pytest.fixture
async def api_key(pool: asyncpg.Pool) -> str:
    return await create_api_key(pool, "acme", ["*"])


@pytest.fixture
def auth(api_key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_key}"}
