"""Several chains in one config: ``[[chains]]`` entries, each a full ``[chain]`` section plus
a name and its own detector settings, turned into one ``Settings`` per chain
(``Settings.per_chain``).

Why one Settings per chain: the daemon, the detectors and the API already take one
Settings with one ``chain``; giving each chain its own copy (with its ``[detect]`` merged
over the shared one) keeps every stage single-chain and the old ``[chain]`` config
working unchanged: with no ``[[chains]]`` the list is just the config itself.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from hafeniq_chain.core.settings import ChainSettings
from hafeniq_chain.detect.settings import DetectSettings


class NamedChain(ChainSettings):
    """One ``[[chains]]`` entry: a ``[chain]`` section with a name and detector overrides."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,31}$")
    # ``[chains.detect.<detector>]`` tables, merged key by key over the shared ``[detect]``
    detect: dict[str, Any] = Field(default_factory=dict)


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        out[key] = (_merge(out[key], value) if isinstance(value, dict)
                    and isinstance(out.get(key), dict) else value)
    return out


def chain_detect(shared: DetectSettings, chain: NamedChain) -> DetectSettings:
    """The chain's detector settings: its overrides over the shared ``[detect]``."""
    if not chain.detect:
        return shared
    return DetectSettings.model_validate(_merge(shared.model_dump(), chain.detect))


def check_chains(chains: list[NamedChain], shared: DetectSettings) -> None:
    """Names and chain ids unique, every chain's detector settings valid (ValueError)."""
    for attr in ("name", "chain_id"):
        values = [getattr(c, attr) for c in chains]
        if len(set(values)) != len(values):
            raise ValueError(f"[[chains]]: every {attr} must be different, got {values}")
    for chain in chains:
        chain_detect(shared, chain)
