"""Title and message templates of user rules: ``str.format`` placeholders, checked at load.

``{newOwner}``, ``{args.value}``, ``{tx.from}``, ``{contract}``, ``{contract_name}``,
``{rule}``, ``{block}``; ``{value:units:6}`` prints base units as whole tokens with
thousands separators (``1,500,000``). A placeholder the match cannot fill is a config
error, not a literal ``{...}`` in a pager at 3 a.m.
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

MAX_TITLE = 200


class TemplateError(ValueError):
    """A template with a placeholder the rule's match does not provide."""


class _Formatter(string.Formatter):
    def format_field(self, value: Any, format_spec: str) -> str:
        if format_spec.startswith("units:"):
            decimals = int(format_spec.split(":", 1)[1])
            amount = Decimal(int(value)) / (Decimal(10) ** decimals)
            text = f"{amount:,.{min(decimals, 6)}f}"
            return text.rstrip("0").rstrip(".") if "." in text else text
        return str(super().format_field(value, format_spec))

    def get_field(self, field_name: str, args: Any, kwargs: Any) -> Any:
        head, _, attr = field_name.partition(".")
        value = kwargs[_key(head)]
        if attr:
            value = value[_key(attr)] if isinstance(value, Mapping) else getattr(
                value, _key(attr))
        return value, head


def _key(name: str) -> str:
    return "from_" if name == "from" else name


_FORMATTER = _Formatter()


def check_template(template: str, names: Mapping[str, Iterable[str] | None]) -> None:
    """Raise TemplateError naming the first placeholder ``names`` cannot fill."""
    try:
        parsed = list(_FORMATTER.parse(template))
    except ValueError as exc:
        raise TemplateError(f"bad template: {exc}") from None
    for _, field, spec, _ in parsed:
        if field is None:
            continue
        if not field:
            raise TemplateError("empty placeholder {} (name a field)")
        head, _, attr = field.partition(".")
        if _key(head) not in names:
            known = ", ".join(sorted(n.replace("from_", "from") for n in names))
            raise TemplateError(f"unknown placeholder {{{field}}}; known: {known}")
        fields = names[_key(head)]
        if attr and fields is not None and _key(attr) not in set(fields):
            raise TemplateError(f"unknown placeholder {{{field}}}")
        if spec and spec.startswith("units:") and not spec[6:].isdigit():
            raise TemplateError(f"{{{field}:{spec}}}: units needs a number of decimals")


def render(template: str, env: Mapping[str, Any]) -> str:
    """The filled template; a value that does not fit its format is shown raw."""
    try:
        return _FORMATTER.vformat(template, (), env)
    except (KeyError, AttributeError, ValueError, TypeError, ArithmeticError):
        return template
