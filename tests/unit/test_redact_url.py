"""Start-up messages show where, never a key or a password."""

from __future__ import annotations

import pytest

from hafeniq_chain.core.startup import redact_url


@pytest.mark.parametrize(("url", "shown"), [
    ("ws://127.0.0.1:8545", "ws://127.0.0.1:8545"),
    ("http://127.0.0.1:8545/", "http://127.0.0.1:8545"),
    ("https://mainnet.example.io/v3/0123456789abcdef", "https://mainnet.example.io/…"),
    ("wss://user:pw@node.example:443/ws?key=abc", "wss://node.example:443/…"),
])
def test_redact_url(url: str, shown: str) -> None:
    assert redact_url(url) == shown
