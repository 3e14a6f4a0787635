"""The shape of user rules: ``[[rule]]`` tables in the config or in the rule files it names.

Structure is checked here (pydantic: unknown keys, severities, exactly one match kind);
meaning — does the event exist in a known ABI, does the condition name real arguments, does
the title fill every placeholder — is checked when the rule is compiled
(``matcher.compile_rule``), which ``config check`` does too.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Severity = Literal["info", "low", "medium", "high", "critical"]
ADDRESS_PATTERN = r"^0x[0-9a-fA-F]{40}$"

# NOTE: one finding's score is the fused risk (x1000) of an incident that has only it, so
# these put each severity in its own band of ``fuse.engine.severity_for`` and, under the
# default policy thresholds, make medium and above alert while low and info are recorded
# (findings and incidents) without paging anyone.
SEVERITY_SCORES: dict[str, float] = {"info": 0.15, "low": 0.3, "medium": 0.55,
                                     "high": 0.7, "critical": 0.9}


class RuleSpec(BaseModel):
    """One rule: what to match, when it counts, how to say it, where to send it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$")
    description: str = ""
    enabled: bool = True
    addresses: list[str] = Field(default_factory=list)
    event: str | None = None
    function: str | None = None
    transaction: bool = False
    internal: bool = True
    where: str = ""
    allowlist: list[str] = Field(default_factory=list)
    severity: Severity = "medium"
    title: str = "{rule} on {contract}"
    message: str = ""
    channels: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _one_match(self) -> RuleSpec:
        kinds = [k for k, on in (("event", self.event), ("function", self.function),
                                 ("transaction", self.transaction)) if on]
        if len(kinds) != 1:
            raise ValueError("give exactly one of event, function or transaction = true "
                             f"(got {', '.join(kinds) or 'none'})")
        return self

    @field_validator("allowlist")
    @classmethod
    def _addresses_only(cls, values: list[str]) -> list[str]:
        import re

        bad = [v for v in values if not re.match(ADDRESS_PATTERN, v)]
        if bad:
            raise ValueError(f"not 0x addresses: {bad}")
        return [v.lower() for v in values]

    @property
    def kind(self) -> str:
        return "event" if self.event else "function" if self.function else "transaction"


class RulesSettings(BaseModel):
    """``[rules]``: rule files to load and named address lists."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    files: list[str] = Field(default_factory=list)
    lists: dict[str, list[str]] = Field(default_factory=dict)

    @field_validator("lists")
    @classmethod
    def _lists_of_addresses(cls, lists: dict[str, list[str]]) -> dict[str, list[str]]:
        import re

        for name, values in lists.items():
            bad = [v for v in values if not re.match(ADDRESS_PATTERN, v)]
            if bad:
                raise ValueError(f"list {name!r}: not 0x addresses: {bad}")
        return {k: [v.lower() for v in vs] for k, vs in lists.items()}
