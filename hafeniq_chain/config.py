"""One TOML file -> validated settings, with ``HAFENIQ_*`` environment overrides.

Why one object: every other module receives a ``Settings`` and never reads the
environment itself, so a config check sees everything the daemon will use.
Secrets (webhook URLs, API keys, HMAC keys) are accepted from the environment only,
so they never end up in a file that gets committed or pasted into a ticket.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from hafeniq_chain.core.policy import Policy

ENV_PREFIX = "HAFENIQ_"
SECRET_KEYS = ("slack_webhook_url", "webhook_url", "webhook_secret", "pseudonym_key",
               "signing_secret")


class _Section(BaseModel):
    """Base for config sections: unknown keys are errors, not silently ignored."""

    model_config = ConfigDict(extra="forbid")


class ChainSettings(_Section):
    """Which node to follow and how cautiously."""

    chain_id: int = Field(default=31337, ge=1)
    rpc_urls: list[str] = Field(default_factory=lambda: ["ws://127.0.0.1:8545"])
    confirmations: int = Field(default=0, ge=0, le=1000)
    max_reorg_depth: int = Field(default=64, ge=1, le=10_000)
    poll_interval_s: float = Field(default=1.0, gt=0, le=60)
    rpc_timeout_s: float = Field(default=10.0, gt=0, le=300)
    fetch_traces: bool = False
    mempool: bool = True

    @field_validator("rpc_urls")
    @classmethod
    def _urls_have_scheme(cls, urls: list[str]) -> list[str]:
        if not urls:
            raise ValueError("at least one RPC URL is required")
        for url in urls:
            if not url.startswith(("ws://", "wss://", "http://", "https://")):
                raise ValueError(f"{url!r} must start with ws://, wss://, http:// or https://")
        return urls


class WatchSettings(_Section):
    """A contract or wallet the team cares about, with an optional ABI file."""

    address: str = Field(pattern=r"^0x[0-9a-fA-F]{40}$")
    name: str = ""
    abi: Path | None = None
    kind: Literal["contract", "hot_wallet", "bridge", "pool", "governor", "wallet"] = "contract"


class StoreSettings(_Section):
    """Where data lives: an external PostgreSQL (dsn) or an embedded one (data_dir)."""

    dsn: SecretStr | None = None
    data_dir: Path = Field(default_factory=lambda: platformdirs.user_data_path("hafeniq-chain"))
    pool_min: int = Field(default=1, ge=1)
    pool_max: int = Field(default=10, ge=1, le=200)
    raw_event_retention_days: int = Field(default=90, ge=1)


class ApiSettings(_Section):
    """The REST API (ingest, scoring, alerts, health, metrics)."""

    enabled: bool = True
    listen: str = Field(default="127.0.0.1:8787", pattern=r"^[^:]+:\d{1,5}$")
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    require_signature: bool = False
    signature_tolerance_s: int = Field(default=300, ge=1)
    signing_secret: SecretStr | None = None


class AlertSettings(_Section):
    """Delivery channels; their URLs and secrets come from the environment only."""

    slack_webhook_url: SecretStr | None = None
    webhook_url: SecretStr | None = None
    webhook_secret: SecretStr | None = None
    max_attempts: int = Field(default=8, ge=1, le=100)
    backoff_base_s: float = Field(default=1.0, gt=0)
    backoff_max_s: float = Field(default=300.0, gt=0)


class DetectSettings(_Section):
    """Detector-wide knobs; per-detector policy lives in [policy]."""

    warmup_blocks: int = Field(default=50, ge=0)
    cusum_k: float = Field(default=0.5, ge=0)
    cusum_h: float = Field(default=5.0, gt=0)
    disabled: list[str] = Field(default_factory=list)
    experimental: list[str] = Field(default_factory=list)


class PrivacySettings(_Section):
    """Keyed pseudonymisation of identifiers in off-chain events."""

    pseudonymise: bool = True
    pseudonym_key: SecretStr | None = None


class WithdrawalSettings(_Section):
    """The withdrawal risk engine: baseline window, platform layer, action thresholds."""

    baseline_days: int = Field(default=90, ge=7, le=730)
    platform_window_s: int = Field(default=600, ge=30)
    elevated_min_accounts: int = Field(default=2, ge=2)
    convergence_min_accounts: int = Field(default=2, ge=2)
    hold_at: int = Field(default=400, ge=1, le=1000)
    block_at: int = Field(default=700, ge=1, le=1000)


class ForecastSettings(_Section):
    """Amount-forecast policy: per wallet/account limits retrained on a schedule."""

    history_days: int = Field(default=90, ge=7, le=730)
    min_samples: int = Field(default=30, ge=5)
    retrain_day_of_week: str = Field(default="mon", pattern=r"^(mon|tue|wed|thu|fri|sat|sun)$")
    retrain_hour: int = Field(default=3, ge=0, le=23)
    default_mode: Literal["log_only", "reject"] = "log_only"
    modes: dict[str, Literal["log_only", "reject"]] = Field(default_factory=dict)
    # NOTE: hot wallets pay out heavy-tailed amounts all day; 3 robust SDs (the off-chain
    # limit) would flag about one routine payout in 700, 5 flags about one in 3.5 million.
    wallet_sigmas: float = Field(default=5.0, ge=1.0, le=20.0)


class Settings(BaseSettings):
    """Everything the daemon needs, validated once at start-up."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_nested_delimiter="__", extra="forbid"
    )

    log_level: Literal["debug", "info", "warning", "error"] = "info"
    chain: ChainSettings = Field(default_factory=ChainSettings)
    store: StoreSettings = Field(default_factory=StoreSettings)
    api: ApiSettings = Field(default_factory=ApiSettings)
    alerts: AlertSettings = Field(default_factory=AlertSettings)
    detect: DetectSettings = Field(default_factory=DetectSettings)
    privacy: PrivacySettings = Field(default_factory=PrivacySettings)
    withdrawals: WithdrawalSettings = Field(default_factory=WithdrawalSettings)
    forecast: ForecastSettings = Field(default_factory=ForecastSettings)
    watch: list[WatchSettings] = Field(default_factory=list)
    policy: Policy = Field(default_factory=Policy)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # NOTE: environment beats the file, so operators can override one key in a container.
        return (env_settings, init_settings)


@dataclass(frozen=True)
class ConfigProblem:
    """One thing wrong with a config file, located by its dotted key path."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class ConfigError(Exception):
    """Raised when a config cannot be loaded; carries every problem, not just the first."""

    def __init__(self, problems: list[ConfigProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def _secret_problems(data: dict[str, Any], prefix: str = "") -> list[ConfigProblem]:
    """Secrets written into the file are refused: they belong in the environment."""
    problems = []
    for key, value in data.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            problems += _secret_problems(value, f"{path}.")
        elif key in SECRET_KEYS:
            env = ENV_PREFIX + path.upper().replace(".", "__")
            problems.append(
                ConfigProblem(path, f"secrets may only come from the environment ({env})")
            )
    return problems


def load_settings(path: Path | None = None, **overrides: Any) -> Settings:
    """Read ``path`` (optional), apply env overrides and ``overrides``, validate everything."""
    data: dict[str, Any] = {}
    if path is not None:
        try:
            data = tomllib.loads(path.read_text())
        except FileNotFoundError:
            raise ConfigError([ConfigProblem(str(path), "file not found")]) from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError([ConfigProblem(str(path), f"not valid TOML: {exc}")]) from None
    problems = _secret_problems(data)
    for dotted, value in overrides.items():
        if value is None:
            continue
        section, _, key = dotted.rpartition(".")
        target = data
        for part in filter(None, section.split(".")):
            target = target.setdefault(part, {})
        target[key] = value
    try:
        settings = Settings(**data)
    except ValidationError as exc:
        problems += [
            ConfigProblem(".".join(str(p) for p in err["loc"]) or "<root>", err["msg"])
            for err in exc.errors()
        ]
        raise ConfigError(problems) from None
    if problems:
        raise ConfigError(problems)
    return settings
