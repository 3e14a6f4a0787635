"""The condition language of user rules: a small, safe subset of Python expressions.

Why Python syntax: teams already read ``value > units(1_000_000, 6) and tx.from not in
allowlist`` without a manual, and the standard ``ast`` module parses it exactly. Only the
node types below are accepted (comparisons, chained ranges, ``in`` lists, and/or/not,
arithmetic, a few named functions), every name is checked against what the match provides
when the rule is loaded, and evaluation runs without builtins, so a rule can never call
into Python. ``from`` is a keyword in Python; ``tx.from`` / ``from`` are rewritten to
``from_`` before parsing.
"""

from __future__ import annotations

import ast
import io
import tokenize
from collections.abc import Callable, Iterable, Mapping, MutableMapping
from decimal import Decimal, InvalidOperation
from types import CodeType
from typing import Any

_ALLOWED = (ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.UnaryOp, ast.Not, ast.USub,
            ast.Compare, ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.In,
            ast.NotIn, ast.Name, ast.Load, ast.Attribute, ast.Constant, ast.List, ast.Tuple,
            ast.Set, ast.Call, ast.BinOp, ast.Add, ast.Sub, ast.Mult, ast.Pow, ast.FloorDiv,
            ast.Mod, ast.Subscript)
FUNCTIONS = ("units", "first_seen", "lower", "len")
MAX_LENGTH = 2000


class RuleExprError(ValueError):
    """A condition that cannot be accepted, with a message that says why."""


def units(amount: int | float | str, decimals: int) -> int:
    """``amount`` whole tokens in base units: ``units(1_000_000, 6)`` = 10**12 (exact)."""
    try:
        value = Decimal(str(amount)) * (Decimal(10) ** int(decimals))
    except (InvalidOperation, ValueError) as exc:
        raise RuleExprError(f"units({amount!r}, {decimals!r}): {exc}") from None
    return int(value)


def _lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def _rewrite_keywords(text: str) -> str:
    """``from`` (a Python keyword) -> ``from_``, outside string literals."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError) as exc:
        raise RuleExprError(f"cannot parse: {exc}") from None
    out = [(t.type, "from_" if t.type == tokenize.NAME and t.string == "from" else t.string)
           for t in tokens]
    return tokenize.untokenize(out).strip()


class _Lowercase(ast.NodeTransformer):
    """Address literals compare with decoded (lower-case) addresses: lower them once."""

    def visit_Constant(self, node: ast.Constant) -> ast.Constant:
        value = node.value
        if isinstance(value, str) and value.startswith(("0x", "0X")) and len(value) == 42:
            return ast.copy_location(ast.Constant(value.lower()), node)
        return node


class _FoldUnits(ast.NodeTransformer):
    """``units(1_000_000, 6)`` with constant arguments becomes its integer once, at load."""

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.func, ast.Name) and node.func.id == "units" and len(node.args) == 2 \
                and all(isinstance(a, ast.Constant) for a in node.args) and not node.keywords:
            amount, decimals = (a.value for a in node.args)  # type: ignore[attr-defined]
            return ast.copy_location(ast.Constant(units(amount, decimals)), node)
        return node


class CompiledExpr:
    """A checked condition; ``evaluate(env)`` is True, False or raises on a type mismatch."""

    def __init__(self, text: str, code: CodeType, names: frozenset[str]) -> None:
        self.text, self.code, self.names = text, code, names

    def evaluate(self, env: MutableMapping[str, Any], first_seen: Callable[..., bool]
                 ) -> bool:
        helpers = {"__builtins__": {}, "units": units, "lower": _lower, "len": len,
                   "first_seen": first_seen}
        # NOTE: safe because compile_expr admitted only the node types in _ALLOWED; names
        # resolve in ``env`` first, then in the helpers (eval's locals, then globals).
        return bool(eval(self.code, helpers, env))


def _check(tree: ast.AST, names: Mapping[str, Iterable[str] | None]) -> set[str]:
    """Every node allowed, every name and attribute known; the names used."""
    used: set[str] = set()
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED):
            raise RuleExprError(f"{type(node).__name__} is not allowed in a condition")
        if isinstance(node, ast.Name):
            if node.id not in names and node.id not in FUNCTIONS:
                known = ", ".join(sorted(n.replace("from_", "from") for n in names))
                raise RuleExprError(f"unknown name {node.id.replace('from_', 'from')!r}; "
                                    f"known here: {known}")
            used.add(node.id)
        elif isinstance(node, ast.Attribute):
            if not isinstance(node.value, ast.Name) or node.attr.startswith("_"):
                raise RuleExprError(f"attribute {node.attr!r} is not allowed here")
            fields = names.get(node.value.id)
            if fields is not None and node.attr not in fields:
                known = ", ".join(sorted(f.replace("from_", "from") for f in fields)) or "none"
                raise RuleExprError(f"{node.value.id} has no field "
                                    f"{node.attr.replace('from_', 'from')!r}; known: {known}")
        elif isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
                raise RuleExprError(f"only {', '.join(FUNCTIONS)} may be called")
            if node.keywords:
                raise RuleExprError("keyword arguments are not allowed")
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult) and any(
                isinstance(side, ast.List | ast.Tuple | ast.Set) or (
                    isinstance(side, ast.Constant) and isinstance(side.value, str))
                for side in (node.left, node.right)):
            raise RuleExprError("repeating a string or list with * is not allowed")
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
            if not (isinstance(node.right, ast.Constant) and isinstance(node.right.value, int)
                    and 0 <= node.right.value <= 78):
                raise RuleExprError("** needs a constant exponent between 0 and 78")
        elif isinstance(node, ast.Constant) and not isinstance(node.value,
                                                               int | float | str | bool):
            raise RuleExprError(f"constant {node.value!r} is not allowed")
    return used


def compile_expr(text: str, names: Mapping[str, Iterable[str] | None]) -> CompiledExpr:
    """Parse and check ``text``. ``names`` maps each usable name to its fields (None: any
    field, e.g. a list of lists; an empty iterable: a plain value)."""
    if len(text) > MAX_LENGTH:
        raise RuleExprError(f"longer than {MAX_LENGTH} characters")
    source = _rewrite_keywords(text)
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as exc:
        raise RuleExprError(f"syntax error at column {exc.offset}: {exc.msg}") from None
    tree = ast.fix_missing_locations(_Lowercase().visit(tree))
    used = _check(tree, names)
    tree = ast.fix_missing_locations(_FoldUnits().visit(tree))
    return CompiledExpr(text, compile(tree, "<rule>", "eval"), frozenset(used))
