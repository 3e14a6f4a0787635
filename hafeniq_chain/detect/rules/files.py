"""Rule files named by ``rules.files`` and the key paths that name a rule in errors.

Why here: ``config`` merges the ``[[rule]]`` tables of every named file into the config's
own before validation; it must then say *which* rule (and which file) a problem is in,
not ``rule.7.where``.
"""

from __future__ import annotations

import glob
import tomllib
from pathlib import Path
from typing import Any


class RuleFileError(ValueError):
    """A rule file that cannot be read; ``path`` names it."""

    def __init__(self, path: str, message: str) -> None:
        self.path = path
        super().__init__(message)


def load_rule_files(patterns: list[str], base: Path) -> tuple[list[dict[str, Any]], list[str]]:
    """The ``[[rule]]`` tables of every file matching ``patterns`` (relative to ``base``,
    sorted per pattern), and the file each came from."""
    rules: list[dict[str, Any]] = []
    origins: list[str] = []
    for pattern in patterns:
        full = pattern if Path(pattern).is_absolute() else str(base / pattern)
        paths = sorted(glob.glob(full))
        if not paths:
            raise RuleFileError(f"rules.files[{pattern}]", "no file matches")
        for path in paths:
            try:
                data = tomllib.loads(Path(path).read_text())
            except (OSError, tomllib.TOMLDecodeError) as exc:
                raise RuleFileError(path, f"cannot read rules: {exc}") from None
            unknown = set(data) - {"rule"}
            if unknown:
                raise RuleFileError(path, f"only [[rule]] tables belong in a rule file, "
                                    f"found {sorted(unknown)}")
            for rule in data.get("rule", []):
                rules.append(rule)
                origins.append(path)
    return rules, origins


def rule_path(rules: list[Any], origins: list[str | None], loc: tuple[Any, ...]) -> str:
    """``("rule", 3, "where")`` -> ``rule[large-transfer].where`` (``file: `` prefixed)."""
    index = loc[1] if len(loc) > 1 and isinstance(loc[1], int) else None
    if index is None or index >= len(rules):
        return ".".join(str(p) for p in loc)
    entry = rules[index]
    name = entry.get("name") if isinstance(entry, dict) else None
    label = f"rule[{name}]" if isinstance(name, str) and name else f"rule[#{index + 1}]"
    rest = "".join(f".{p}" for p in loc[2:])
    origin = origins[index] if index < len(origins) else None
    return f"{origin}: {label}{rest}" if origin else f"{label}{rest}"
