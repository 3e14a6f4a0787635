"""The config sections every layer may read: node, watch list, store, API, alerts, privacy,
withdrawals, forecast.

Why here and not in ``config``: the store, the alert channels and the detectors are
configured by these sections, and ``config`` (which assembles them with the detector tables
into one ``Settings``) sits above the detectors; the sections themselves depend on nothing.
"""

from __future__ import annotations

import base64
import binascii
from decimal import Decimal
from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator


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
    # batches the follower fetches and decodes ahead of the writer (0: one step at a time)
    fetch_ahead: int = Field(default=2, ge=0, le=64)
    follow_batch_size: int = Field(default=25, ge=1, le=1000)

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
    # Raw per-block rows (txs, logs, calls, swaps, edge events) older than this are dropped
    # a partition at a time by `run` (daily) and `prune`; None keeps them forever.
    raw_block_retention_days: int | None = Field(default=None, ge=1)


class ApiSettings(_Section):
    """The REST API (ingest, scoring, alerts, health, metrics)."""

    enabled: bool = True
    listen: str = Field(default="127.0.0.1:8787", pattern=r"^[^:]+:\d{1,5}$")
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    require_signature: bool = False
    signature_tolerance_s: int = Field(default=300, ge=1)
    signing_secret: SecretStr | None = None
    # The tenant whose keys see tenant-less (on-chain) alerts, judge them (calibration) and
    # retrain every tenant's forecasts; None: one organisation, on-chain alerts shared.
    operator_tenant: str | None = Field(default=None, min_length=1)
    # Several `serve` processes on one database: each tenant scored by one, others forward.
    scoring_replicas: bool = False
    advertise_url: str = ""  # how the other replicas reach this one; default http://<listen>


AlertSeverity = Literal["info", "low", "medium", "high", "critical"]


class ChannelRoute(_Section):
    """Which alerts one channel gets: a minimum severity, optionally only some rules or
    detectors (glob patterns; empty = all)."""

    min_severity: AlertSeverity = "info"
    rules: list[str] = Field(default_factory=list)
    detectors: list[str] = Field(default_factory=list)


class DiscordSettings(_Section):
    """Discord incoming webhook (the URL holds its token: environment only)."""

    webhook_url: SecretStr | None = None


class TelegramSettings(_Section):
    """Telegram Bot API ``sendMessage`` to one chat."""

    bot_token: SecretStr | None = None
    chat_id: str | None = None
    api_url: str = Field(default="https://api.telegram.org", pattern=r"^https?://")


class PagerDutySettings(_Section):
    """PagerDuty Events API v2 (an integration's routing key)."""

    routing_key: SecretStr | None = None
    events_url: str = Field(default="https://events.pagerduty.com/v2/enqueue",
                            pattern=r"^https?://")


class OpsgenieSettings(_Section):
    """Opsgenie Alert API (EU accounts: ``api_url = "https://api.eu.opsgenie.com"``)."""

    api_key: SecretStr | None = None
    api_url: str = Field(default="https://api.opsgenie.com", pattern=r"^https?://")


class EmailSettings(_Section):
    """E-mail over SMTP with STARTTLS (``starttls = false`` only for a local relay)."""

    host: str | None = None
    port: int = Field(default=587, ge=1, le=65535)
    starttls: bool = True
    ca_file: Path | None = None  # a private CA for the relay's certificate
    username: str | None = None
    password: SecretStr | None = None
    sender: str = "hafeniq-chain <alerts@localhost>"
    to: list[str] = Field(default_factory=list)
    timeout_s: float = Field(default=20.0, gt=0, le=300)


class AlertSettings(_Section):
    """Delivery channels; their URLs and secrets come from the environment only."""

    slack_webhook_url: SecretStr | None = None
    webhook_url: SecretStr | None = None
    webhook_secret: SecretStr | None = None
    # hafeniq: X-Hafeniq-Signature; standard: Standard Webhooks (webhook-id/-timestamp/
    # -signature, secret "whsec_<base64>"); both: all five headers
    webhook_signing: Literal["hafeniq", "standard", "both"] = "hafeniq"
    max_attempts: int = Field(default=8, ge=1, le=100)
    backoff_base_s: float = Field(default=1.0, gt=0)
    backoff_max_s: float = Field(default=300.0, gt=0)
    discord: DiscordSettings = Field(default_factory=DiscordSettings)
    telegram: TelegramSettings = Field(default_factory=TelegramSettings)
    pagerduty: PagerDutySettings = Field(default_factory=PagerDutySettings)
    opsgenie: OpsgenieSettings = Field(default_factory=OpsgenieSettings)
    email: EmailSettings = Field(default_factory=EmailSettings)
    routes: dict[str, ChannelRoute] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _standard_secret(self) -> AlertSettings:
        """Standard Webhooks keys are ``whsec_`` + base64 of 24-64 bytes; say so at start."""
        if self.webhook_signing == "hafeniq" or self.webhook_secret is None:
            return self
        secret = self.webhook_secret.get_secret_value()
        try:
            key = base64.b64decode(secret.removeprefix("whsec_"), validate=True)
        except (ValueError, binascii.Error):
            key = b""
        if not secret.startswith("whsec_") or not 24 <= len(key) <= 64:
            raise ValueError("webhook_signing = standard/both needs HAFENIQ_ALERTS__WEBHOOK_"
                             "SECRET = 'whsec_' + base64 of 24-64 random bytes")
        return self


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
    # Input bounds (issue 17): the largest amount accepted per asset (``max_amount`` for
    # assets not listed); how far in the future ``occurred_at`` may lie (clock skew).
    max_amount: Decimal = Field(default=Decimal(10) ** 12, gt=0)
    max_amount_per_asset: dict[str, Decimal] = Field(default_factory=dict)
    future_tolerance_s: int = Field(default=300, ge=0)
    # An account without enough history (NOT_COVERED) asking for more than this gets at
    # least ``not_covered_action`` (quarantine = HOLD, reject = BLOCKED).
    not_covered_max_amount: Decimal = Field(default=Decimal(10_000), gt=0)
    not_covered_action: Literal["allow", "quarantine", "reject"] = "quarantine"
    # Convergence over hours: a fresh destination reached by ``slow_convergence_accounts``
    # accounts within ``convergence_horizon_s`` converges; a converged destination stays
    # flagged, its weight halving every ``converged_half_life_s`` (dropped below 1/4).
    convergence_horizon_s: int = Field(default=6 * 3600, ge=60)
    slow_convergence_accounts: int = Field(default=3, ge=2)
    converged_half_life_s: int = Field(default=7 * 86400, ge=60)
    # Takeover signals: a device, network or country counts as the account's own once
    # seen this long before the request; this many independent anomalies HOLD.
    established_after_s: int = Field(default=86400, ge=0)
    anomalies_to_hold: int = Field(default=3, ge=2)


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


class LeaseSettings(_Section):
    """Replicas: each chain is followed by the one replica holding its lease (``[lease]``)."""

    enabled: bool = True
    replica_id: str = ""  # empty: host:pid
    heartbeat_s: float = Field(default=1.0, gt=0, le=60)
    retry_s: float = Field(default=1.0, gt=0, le=60)
    # An owner silent this long while its lock session lingers is cut off by a standby.
    ttl_s: float = Field(default=10.0, gt=0, le=600)
