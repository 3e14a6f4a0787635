"""User rules on plain data: the condition language, templates, and bad rules rejected with
the rule and field named (``config check`` output)."""

from __future__ import annotations

from pathlib import Path

import pytest
from eth_utils.crypto import keccak

from hafeniq_chain.config import ConfigError, load_settings
from hafeniq_chain.detect.rules.detector import compile_rules
from hafeniq_chain.detect.rules.expr import RuleExprError, compile_expr, units
from hafeniq_chain.detect.rules.templates import render

NAMES = {"value": (), "from_": (), "to": (), "tx": ("from_", "status", "value"),
         "lists": ("admins",), "allowlist": ()}


def _eval(text: str, **env: object) -> bool:
    seen: set[object] = set()

    def first_seen(*values: object) -> bool:
        new = values not in seen
        seen.add(values)
        return new
    return compile_expr(text, NAMES).evaluate(env, first_seen)


@pytest.mark.parametrize(("text", "env", "expected"), [
    ("value >= units(1_000_000, 6)", {"value": 10**12}, True),
    ("value >= units(1_000_000, 6)", {"value": 10**12 - 1}, False),
    ("100 < value <= 200", {"value": 150}, True),
    ("100 < value <= 200", {"value": 201}, False),
    ("to in ['0xAAaaAAaaAAaaAAaaAAaaAAaaAAaaAAaaAAaaAAaa']", {"to": "0x" + "aa" * 20}, True),
    ("not (value == 0 or to == 'x')", {"value": 1, "to": "y"}, True),
    ("tx.from not in allowlist", {"tx": type("T", (), {"from_": "0xb"})(),
                                  "allowlist": frozenset({"0xa"})}, True),
    ("from == lower('0xABC')", {"from_": "0xabc"}, True),
    ("value > 10**18 * 2", {"value": 3 * 10**18}, True),
])
def test_conditions(text: str, env: dict[str, object], expected: bool) -> None:
    assert _eval(text, **env) is expected


def test_units_is_exact_for_fractions_and_large_amounts() -> None:
    assert units("0.5", 18) == 5 * 10**17
    assert units(123_456_789_012, 18) == 123_456_789_012 * 10**18


@pytest.mark.parametrize(("text", "message"), [
    ("__import__('os')", "only units, first_seen, lower, len may be called"),
    ("value.__class__", "attribute '__class__' is not allowed"),
    ("lambda: 1", "Lambda is not allowed"),
    ("valu > 3", "unknown name 'valu'"),
    ("tx.sender == 1", "tx has no field 'sender'"),
    ("value > 2 ** value", "** needs a constant exponent"),
    ("value >", "syntax error"),
    ("[x for x in to]", "ListComp is not allowed"),
    ("'a' * 10**9 == to", "repeating a string or list with * is not allowed"),
])
def test_bad_conditions_are_refused_with_a_reason(text: str, message: str) -> None:
    with pytest.raises(RuleExprError, match=None) as err:
        compile_expr(text, NAMES)
    assert message in str(err.value)


def test_templates_fill_placeholders_and_format_token_units() -> None:
    env = {"value": 2_500_000_500_000, "from_": "0xa", "rule": "r"}
    assert render("{value:units:6} out of {from} ({rule})", env) == "2,500,000.5 out of 0xa (r)"


def test_bad_rules_are_named_by_rule_and_field(tmp_path: Path) -> None:
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "extra.toml").write_text(
        '[[rule]]\nname = "in-file"\nfunction = "transferOwnershp"\n')
    (tmp_path / "c.toml").write_text("""
[rules]
files = ["rules/*.toml"]
[[watch]]
address = "0x1111111111111111111111111111111111111111"
name = "treasury"
[[rule]]
name = "own"
event = "OwnershipTransfered"
addresses = ["tresury"]
[[rule]]
name = "sev"
event = "Paused"
severity = "urgent"
[[rule]]
name = "two-kinds"
event = "Paused"
transaction = true
[[rule]]
name = "tmpl"
event = "Paused"
where = "lists.nobody"
title = "paused by {acount}"
[[rule]]
name = "own"
transaction = true
""")
    with pytest.raises(ConfigError) as err:
        load_settings(tmp_path / "c.toml")
    text = [str(p) for p in err.value.problems]
    expected = [
        "rule[sev].severity: Input should be",
        "rule[two-kinds]: Value error, give exactly one of event, function or transaction",
        "rule[own].addresses: 'tresury' is neither a 0x address nor a [[watch]] name; "
        "did you mean treasury?",
        "rule[own].event: unknown event 'OwnershipTransfered'",
        "rule[tmpl].where: lists has no field 'nobody'",
        "rule[tmpl].title: unknown placeholder {acount}",
        "rule[own].name: duplicate rule name 'own'",
        "extra.toml: rule[in-file].function: unknown function 'transferOwnershp' (not in "
        "abis/ or a [[watch]] abi file); did you mean transferOwnership",
    ]
    for want in expected:
        assert any(want in line for line in text), (want, text)


def test_missing_rule_file_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "c.toml").write_text('[rules]\nfiles = ["nowhere/*.toml"]\n')
    with pytest.raises(ConfigError, match="no file matches"):
        load_settings(tmp_path / "c.toml")


def test_a_named_signature_needs_no_abi_file(tmp_path: Path) -> None:
    """An event no bundled ABI knows, declared with its parameter names in the rule."""
    (tmp_path / "c.toml").write_text("""
[[rule]]
name = "release"
event = '''Withdrawal(address indexed token, address indexed recipient, uint256 amount,
    uint256 srcChainId, bytes32 messageId)'''
where = "amount >= units(100_000, 6) and recipient != token"
title = "{amount:units:6} to {recipient}"
""")
    settings = load_settings(tmp_path / "c.toml")
    (rule,), failed = compile_rules(settings.detection())
    assert failed == [] and rule.topics == {
        "0x" + keccak(text="Withdrawal(address,address,uint256,uint256,bytes32)").hex()}
