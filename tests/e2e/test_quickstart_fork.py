"""README Quick start, way 2, as written: a local Anvil stands in for the provider, a fork
of it (``anvil --fork-url``) is followed by ``hafeniq-chain run``, the README's snippet
replays an upgrade takeover on the fork, and the proxy-upgraded rule's alert arrives."""

from __future__ import annotations

import asyncio
import re
import signal
import sys
from pathlib import Path
from typing import Any

import pytest
from web3 import Web3

from hafeniq_chain.alert.receiver import WebhookReceiver
from hafeniq_chain.chain.anvil import AnvilNode, AnvilOptions, free_port
from tests.support.contracts import deploy

pytestmark = pytest.mark.e2e
REPO = Path(__file__).resolve().parents[2]
SECRET = "quickstart-secret"


def readme_snippet() -> Any:
    code = re.search(r"<!-- fork-snippet -->\s*```python\n(.*?)```",
                     (REPO / "README.md").read_text(), re.S)
    assert code, "README lost its fork snippet"
    namespace: dict[str, Any] = {}
    exec(code.group(1), namespace)
    return namespace["replay_upgrade"]


async def test_fork_replay_of_an_upgrade_takeover_alerts(
        anvil: AnvilNode, empty_dsn: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    upstream = Web3(Web3.HTTPProvider(anvil.http_url))  # "mainnet" with your protocol on it
    impl = deploy(upstream, "RuleBox")
    proxy = deploy(upstream, "RuleProxy", impl.address, upstream.eth.accounts[0],
                   impl.encode_abi("setValue", args=[1]))
    admin = "0x" + upstream.eth.get_storage_at(proxy.address, int(
        "b53127684a568b3173ae13b9f8a6016e243e63b6e8ee1178d6a717850b5d6103", 16))[-20:].hex()
    attacker_code = deploy(upstream, "RuleBox").address
    config = tmp_path / "hafeniq.toml"
    config.write_text(f"""[chain]
chain_id = 31337
poll_interval_s = 0.2
mempool = false

[api]
enabled = false

[[watch]]
address = "{proxy.address}"
name = "vault"

[rules]
files = ["{REPO}/examples/rules/*.toml"]
[rules.lists]
admins = ["{upstream.eth.accounts[0]}"]
treasury = ["{upstream.eth.accounts[5]}"]
""")
    receiver = WebhookReceiver(SECRET, free_port())
    await receiver.start()
    monkeypatch.setenv("HAFENIQ_ALERTS__WEBHOOK_URL", receiver.url)
    monkeypatch.setenv("HAFENIQ_ALERTS__WEBHOOK_SECRET", SECRET)
    with AnvilNode(AnvilOptions(fork_url=anvil.http_url)) as fork:
        fork_block = Web3(Web3.HTTPProvider(fork.http_url)).eth.block_number
        daemon = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "hafeniq_chain", "--config", str(config), "--dsn", empty_dsn,
            "run", "--rpc", fork.http_url, "--from", str(fork_block + 1), cwd=REPO,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
        try:
            tx = readme_snippet()(fork.http_url, admin, proxy.address, attacker_code)
            for _ in range(600):
                if receiver.received or daemon.returncode is not None:
                    break
                await asyncio.sleep(0.2)
        finally:
            if daemon.returncode is None:
                daemon.send_signal(signal.SIGTERM)
            _, err = await asyncio.wait_for(daemon.communicate(), 60)
            await receiver.stop()
    assert receiver.received, err.decode()[-3000:]
    (alert,) = receiver.received.values()
    assert alert["incident"]["reason_codes"] == ["USER_RULE"]
    assert alert["incident"]["summary"] == (
        f"vault upgraded to implementation {attacker_code.lower()}")
    assert alert["tx_hashes"] == [tx]
    slot = int("360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc", 16)
    assert upstream.eth.get_storage_at(proxy.address, slot)[-20:] == bytes.fromhex(
        impl.address[2:])  # the upstream node was never touched
    assert daemon.returncode == 0, err.decode()[-3000:]
