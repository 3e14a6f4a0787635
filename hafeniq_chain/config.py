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

from pydantic import Field, ValidationError, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from hafeniq_chain.chainset import NamedChain, chain_detect, check_chains
from hafeniq_chain.core.policy import Policy
from hafeniq_chain.core.settings import (
    AlertSettings,
    ApiSettings,
    ChainSettings,
    ForecastSettings,
    LeaseSettings,
    PrivacySettings,
    StoreSettings,
    WatchSettings,
    WithdrawalSettings,
)
from hafeniq_chain.detect.rules.detector import compile_rules
from hafeniq_chain.detect.rules.files import RuleFileError, load_rule_files, rule_path
from hafeniq_chain.detect.rules.model import RuleSpec, RulesSettings
from hafeniq_chain.detect.settings import DetectionSettings, DetectSettings

ENV_PREFIX = "HAFENIQ_"
SECRET_KEYS = ("slack_webhook_url", "webhook_url", "webhook_secret", "pseudonym_key",
               "signing_secret", "bot_token", "routing_key", "api_key", "password")


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
    lease: LeaseSettings = Field(default_factory=LeaseSettings)
    chains: list[NamedChain] = Field(default_factory=list)  # [[chains]]: several chains
    policy: Policy = Field(default_factory=Policy)
    rules: RulesSettings = Field(default_factory=RulesSettings)
    rule: list[RuleSpec] = Field(default_factory=list)

    @model_validator(mode="after")
    def _chains_valid(self) -> Settings:
        check_chains(self.chains, self.detect)
        return self

    def per_chain(self) -> list[tuple[str, Settings]]:
        """(name, settings) per followed chain; a single ``[chain]`` is named "default"."""
        if not self.chains:
            return [("default", self)]
        return [(c.name, self.model_copy(update={
            "chain": ChainSettings(**c.model_dump(exclude={"name", "detect"})),
            "detect": chain_detect(self.detect, c), "chains": []})) for c in self.chains]

    def detection(self) -> DetectionSettings:
        """What detectors are built from (the same under run, backfill, replay and eval)."""
        return DetectionSettings(detect=self.detect, watch=tuple(self.watch),
                                 forecast=self.forecast, rules=tuple(self.rule),
                                 rules_config=self.rules)

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


def _rule_problems(data: dict[str, Any], origins: list[str | None]) -> list[ConfigProblem]:
    """Rules that parse but mean nothing: unknown events, names, placeholders, duplicates.

    Checked on every rule that is well-formed on its own, even when other keys are wrong,
    so one ``config check`` lists everything.
    """
    raw = data.get("rule", [])
    if not isinstance(raw, list) or not raw:
        return []
    specs: dict[int, RuleSpec] = {}
    for index, entry in enumerate(raw):
        try:
            specs[index] = RuleSpec.model_validate(entry)
        except ValidationError:
            continue
    watch = []
    for entry in data.get("watch", []) if isinstance(data.get("watch"), list) else []:
        try:
            watch.append(WatchSettings.model_validate(entry))
        except ValidationError:
            continue
    try:
        lists = RulesSettings.model_validate(data.get("rules") or {})
    except ValidationError:
        lists = RulesSettings()
    problems = []
    seen: set[str] = set()
    for index, spec in specs.items():
        if spec.name in seen:
            problems.append(ConfigProblem(rule_path(raw, origins, ("rule", index, "name")),
                                          f"duplicate rule name {spec.name!r}"))
        seen.add(spec.name)
    index_of = {spec.name: index for index, spec in specs.items()}
    try:
        _, failed = compile_rules(DetectionSettings(
            watch=tuple(watch), rules=tuple(specs.values()),
            rules_config=RulesSettings(lists=lists.lists)))
    except (OSError, ValueError) as exc:
        return [*problems, ConfigProblem("watch", f"cannot load the ABI files: {exc}")]
    for fail in failed:
        for field, message in fail.problems:
            problems.append(ConfigProblem(rule_path(raw, origins,
                                                    ("rule", index_of[fail.rule], field)),
                                          message))
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
    origins: list[str | None] = [None] * len(data.get("rule", []))
    files = (data.get("rules") or {}).get("files") or []
    if isinstance(files, list) and files:
        try:
            extra, found = load_rule_files([str(f) for f in files],
                                           path.parent if path else Path.cwd())
        except RuleFileError as exc:
            raise ConfigError([ConfigProblem(exc.path, str(exc))]) from None
        data["rule"] = [*data.get("rule", []), *extra]
        origins += found
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
            ConfigProblem(rule_path(data.get("rule", []), origins, err["loc"])
                          if err["loc"][:1] == ("rule",) else
                          ".".join(str(p) for p in err["loc"]) or "<root>", err["msg"])
            for err in exc.errors()
        ]
        raise ConfigError(problems + _rule_problems(data, origins)) from None
    problems += _rule_problems(data, origins)
    if problems:
        raise ConfigError(problems)
    return settings
