"""User rules on Anvil against real OpenZeppelin contracts: Ownable (Stablecoin, ProxyAdmin),
AccessControl + Pausable (GuardedVault), an ERC-1967 transparent proxy, an ERC-20 treasury.

The example rule files in ``examples/rules/`` are used as shipped. Every rule has a
near-miss beside its hit (a grant by a known admin, a transfer just under the limit, a
second grant to a known minter, a successful upgrade for the failed-call rule), and the
findings go through the real pipeline, fusion, policy and outbox tables.
"""

from __future__ import annotations

import json
from pathlib import Path

import asyncpg
import pytest
from web3 import Web3

from hafeniq_chain.chain.anvil import AnvilNode
from hafeniq_chain.chain.follower import Follower
from hafeniq_chain.chain.indexer import BlockIndexer
from hafeniq_chain.chain.rpc import RpcClient
from hafeniq_chain.config import load_settings
from hafeniq_chain.core.policy import Policy
from hafeniq_chain.detect.pipeline import build_pipeline
from hafeniq_chain.fuse.engine import IncidentEngine
from hafeniq_chain.replay.rules_history import rules_over_history
from tests.support.cli import run_cli
from tests.support.contracts import artifact, deploy

pytestmark = pytest.mark.integration
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "rules"
USDC = 10**6
MINTER = Web3.keccak(text="MINTER_ROLE")
PAUSER = Web3.keccak(text="PAUSER_ROLE")


def _config(tmp_path: Path, w3: Web3, watch: dict[str, str]) -> Path:
    acc = w3.eth.accounts
    watches = "".join(f'[[watch]]\naddress = "{a}"\nname = "{n}"\n\n' for n, a in watch.items())
    path = tmp_path / "hafeniq.toml"
    path.write_text(f"""{watches}[rules]
files = ["{EXAMPLES}/*.toml"]
[rules.lists]
admins = ["{acc[0]}"]
treasury = ["{acc[5]}"]
""")
    return path


def _scenario(w3: Web3) -> tuple[int, dict[str, str], dict[str, str]]:
    """Deploy, then act; returns (first block to index, watch names, tx hashes by step)."""
    acc = w3.eth.accounts
    usdc = deploy(w3, "Stablecoin", "USD Coin", "USDC", 6, acc[0])
    vault = deploy(w3, "GuardedVault", acc[0])
    box_a, box_b = deploy(w3, "RuleBox"), deploy(w3, "RuleBox")
    init = box_a.encode_abi("setValue", args=[42])  # OZ 5.7 proxies refuse empty init data
    proxy = deploy(w3, "RuleProxy", box_a.address, acc[0], init)
    admin_address = Web3.to_checksum_address(
        w3.eth.get_storage_at(proxy.address, int(
            "b53127684a568b3173ae13b9f8a6016e243e63b6e8ee1178d6a717850b5d6103", 16))[-20:])
    admin = w3.eth.contract(address=admin_address, abi=artifact("RuleProxyAdmin")["abi"])
    usdc.functions.mint(acc[5], 5_000_000 * USDC).transact({"from": acc[0]})
    start = w3.eth.block_number + 1
    tx: dict[str, str] = {}

    def send(step: str, call: object, sender: str, **extra: object) -> None:
        tx[step] = call.transact({"from": sender, **extra}).to_0x_hex()  # type: ignore[attr-defined]

    send("big_out", usdc.functions.transfer(acc[6], 2_000_000 * USDC), acc[5])
    send("just_under", usdc.functions.transfer(acc[6], 999_999 * USDC), acc[5])
    send("not_treasury", usdc.functions.transfer(acc[7], 1_500_000 * USDC), acc[6])
    send("minter", vault.functions.grantRole(MINTER, acc[7]), acc[0])
    send("revoke", vault.functions.revokeRole(MINTER, acc[7]), acc[0])
    send("minter_again", vault.functions.grantRole(MINTER, acc[7]), acc[0])
    send("admin_to_1", vault.functions.grantRole(b"\x00" * 32, acc[1]), acc[0])
    send("grant_by_1", vault.functions.grantRole(PAUSER, acc[8]), acc[1])
    send("pause", vault.functions.pause(), acc[0])
    send("upgrade", admin.functions.upgradeAndCall(proxy.address, box_b.address, b""), acc[0])
    send("failed_upgrade", admin.functions.upgradeAndCall(proxy.address, box_a.address, b""),
         acc[3], gas=200_000)
    send("ownership", admin.functions.transferOwnership(acc[1]), acc[0])
    names = {"usdc": usdc.address, "vault": vault.address, "proxy": proxy.address,
             "proxy admin": admin_address}
    return start, names, tx


async def test_example_rules_fire_on_openzeppelin_contracts(
        anvil: AnvilNode, pool: asyncpg.Pool, empty_dsn: str, tmp_path: Path) -> None:
    w3 = Web3(Web3.HTTPProvider(anvil.http_url))
    start, names, tx = _scenario(w3)
    assert w3.eth.get_transaction_receipt(tx["failed_upgrade"])["status"] == 0
    settings = load_settings(_config(tmp_path, w3, names))
    assert len(settings.rule) == 7
    rpc = RpcClient([anvil.http_url])
    pipeline = build_pipeline(settings.detection(), 31337, pool,
                              sink=IncidentEngine(pool, settings.policy, ["webhook"]))
    await Follower(BlockIndexer(rpc, pool, 31337), start_block=start,
                   hooks=[pipeline]).catch_up()
    await rpc.close()

    rows = await pool.fetch("SELECT details ->> 'rule' AS rule, tx_hashes, summary, "
                            "reason_codes FROM findings WHERE detector = 'user_rules' "
                            "ORDER BY id")
    by_rule: dict[str, list[str]] = {}
    for r in rows:
        assert r["reason_codes"] == ["USER_RULE"]
        by_rule.setdefault(r["rule"], []).extend(r["tx_hashes"])
    assert by_rule == {
        "large-treasury-transfer": [tx["big_out"]],
        "new-minter": [tx["minter"]],
        "role-granted": [tx["grant_by_1"]],
        "paused": [tx["pause"]],
        "proxy-upgraded": [tx["upgrade"]],
        "failed-upgrade-attempt": [tx["failed_upgrade"]],
        "ownership-transferred": [tx["ownership"]],
    }
    summaries = {r["rule"]: r["summary"] for r in rows}
    acc = [a.lower() for a in w3.eth.accounts]
    assert summaries["large-treasury-transfer"] == (
        f"2,000,000 tokens (usdc) moved out of treasury {acc[5]} to {acc[6]}")
    assert summaries["paused"] == f"vault paused by {acc[0]}"
    assert summaries["failed-upgrade-attempt"] == (
        f"Failed upgradeAndCall on proxy admin by {acc[3]}")
    # through fusion and policy: every rule on every contract is its own incident, and the
    # medium-and-above rules are alerts waiting in the outbox for the configured channel
    incidents = await pool.fetch("SELECT correlation_key, severity FROM incidents "
                                 "WHERE correlation_key LIKE 'rule:%'")
    assert len(incidents) == 7
    alerts = await pool.fetch("SELECT a.title, d.channel FROM alerts a JOIN alert_deliveries d "
                              "ON d.alert_id = a.id WHERE a.payload -> 'incident' -> "
                              "'reason_codes' ? 'USER_RULE'")
    assert len(alerts) == 7 and {a["channel"] for a in alerts} == {"webhook"}

    # the same findings exported as Forta Findings by the CLI, as a user would
    out = tmp_path / "forta.jsonl"
    done = await run_cli("--dsn", empty_dsn, "findings", "export", "--format", "forta",
                         "--detector", "user_rules", "-o", str(out))
    assert done.returncode == 0, done.stderr
    exported = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(exported) == 7
    upgrade = next(f for f in exported if f["alertId"] == "HAFENIQ-RULE-PROXY-UPGRADED")
    assert upgrade["severity"] == "Critical" and upgrade["type"] == "Suspicious"
    assert set(upgrade) >= {"name", "description", "alertId", "severity", "type", "metadata",
                            "addresses", "labels"}
    assert all(isinstance(v, str) for v in upgrade["metadata"].values())
    assert upgrade["metadata"]["txHashes"] == tx["upgrade"]
    assert upgrade["labels"][0]["entity"] == names["proxy"].lower()


async def test_function_rule_sees_internal_calls_with_traces(
        anvil: AnvilNode, pool: asyncpg.Pool, tmp_path: Path) -> None:
    """``transfer`` called by the vault inside ``payOut`` is an internal call (traces on);
    the same function called directly by a wallet is top-level and does not match."""
    w3 = Web3(Web3.HTTPProvider(anvil.http_url))
    acc = w3.eth.accounts
    usdc = deploy(w3, "Stablecoin", "USD Coin", "USDC", 6, acc[0])
    vault = deploy(w3, "GuardedVault", acc[0])
    usdc.functions.mint(vault.address, 10 * USDC).transact({"from": acc[0]})
    usdc.functions.mint(acc[2], 10 * USDC).transact({"from": acc[0]})
    start = w3.eth.block_number + 1
    direct = usdc.functions.transfer(acc[3], USDC).transact({"from": acc[2]}).to_0x_hex()
    payout = vault.functions.payOut(usdc.address, acc[4], 2 * USDC).transact(
        {"from": acc[0]}).to_0x_hex()
    config = tmp_path / "internal.toml"
    config.write_text(f"""[[watch]]
address = "{usdc.address}"
name = "usdc"
[[rule]]
name = "vault-token-transfer"
function = "transfer"
addresses = ["usdc"]
where = "call.internal and call.from == '{vault.address}'"
title = "{{contract_name}}.transfer({{to}}, {{amount:units:6}}) from inside {{tx.to}}"
""")
    settings = load_settings(config)
    rpc = RpcClient([anvil.http_url])
    pipeline = build_pipeline(settings.detection(), 31337, pool,
                              sink=IncidentEngine(pool, settings.policy, []))
    await Follower(BlockIndexer(rpc, pool, 31337, fetch_traces=True), start_block=start,
                   hooks=[pipeline]).catch_up()
    await rpc.close()
    rows = await pool.fetch("SELECT tx_hashes, summary FROM findings "
                            "WHERE detector = 'user_rules'")
    assert [r["tx_hashes"] for r in rows] == [[payout]], (direct, rows)
    assert rows[0]["summary"] == (f"usdc.transfer({acc[4].lower()}, 2) from inside "
                                  f"{vault.address.lower()}")


async def test_rules_over_history_apply_to_blocks_already_past(
        anvil: AnvilNode, pool: asyncpg.Pool, empty_dsn: str, tmp_path: Path) -> None:
    """``rules history`` over a past range: the ownership change is found once, and a
    second run of the same range adds nothing."""
    w3 = Web3(Web3.HTTPProvider(anvil.http_url))
    acc = w3.eth.accounts
    usdc = deploy(w3, "Stablecoin", "USD Coin", "USDC", 6, acc[0])
    moved = usdc.functions.transferOwnership(acc[9]).transact({"from": acc[0]}).to_0x_hex()
    w3.provider.make_request("anvil_mine", [5])  # type: ignore[arg-type]
    head = w3.eth.block_number
    config = tmp_path / "history.toml"
    config.write_text(f'[chain]\nrpc_urls = ["{anvil.http_url}"]\n'
                      f'[rules]\nfiles = ["{EXAMPLES}/ownership-transferred.toml"]\n')
    done = await run_cli("--config", str(config), "--dsn", empty_dsn, "rules", "history",
                         "--from", "0", "--to", str(head))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ownership-transferred: 1"
    settings = load_settings(config)  # the same range again, in-process
    rpc = RpcClient([anvil.http_url])
    again = await rules_over_history(BlockIndexer(rpc, pool, 31337), 0, head,
                                     settings.detection(), IncidentEngine(pool, Policy(), []))
    await rpc.close()
    assert again.by_rule == {"ownership-transferred": 1}
    rows = await pool.fetch("SELECT tx_hashes FROM findings WHERE detector = 'user_rules'")
    assert [r["tx_hashes"] for r in rows] == [[moved]]
    assert await pool.fetchval("SELECT count(*) FROM alert_deliveries") == 0  # nobody paged


async def test_backfill_with_rules_indexes_then_applies_them(
        anvil: AnvilNode, empty_dsn: str, tmp_path: Path) -> None:
    """``backfill --rules`` (opt-in): the range is indexed, then the rules run on it; without
    any ``[[rule]]`` the flag is refused before anything starts."""
    w3 = Web3(Web3.HTTPProvider(anvil.http_url))
    acc = w3.eth.accounts
    usdc = deploy(w3, "Stablecoin", "USD Coin", "USDC", 6, acc[0])
    moved = usdc.functions.transferOwnership(acc[9]).transact({"from": acc[0]}).to_0x_hex()
    w3.provider.make_request("anvil_mine", [3])  # type: ignore[arg-type]
    head = w3.eth.block_number
    bare = tmp_path / "bare.toml"
    bare.write_text(f'[chain]\nrpc_urls = ["{anvil.http_url}"]\n')
    refused = await run_cli("--config", str(bare), "--dsn", empty_dsn, "backfill",
                            "--from", "0", "--to", str(head), "--rules")
    assert refused.returncode == 2 and "no [[rule]] configured" in refused.stderr
    config = tmp_path / "backfill.toml"
    config.write_text(bare.read_text()
                      + f'[rules]\nfiles = ["{EXAMPLES}/ownership-transferred.toml"]\n')
    done = await run_cli("--config", str(config), "--dsn", empty_dsn, "backfill",
                         "--from", "0", "--to", str(head), "--workers", "0", "--rules")
    assert done.returncode == 0, done.stderr
    assert "ownership-transferred: 1" in done.stdout.splitlines()
    conn = await asyncpg.connect(empty_dsn)
    try:
        assert await conn.fetchval("SELECT count(*) FROM blocks") == head + 1
        rows = await conn.fetch("SELECT tx_hashes FROM findings WHERE detector = 'user_rules'")
        assert [r["tx_hashes"] for r in rows] == [[moved]]
        assert await conn.fetchval("SELECT count(*) FROM alert_deliveries") == 0
    finally:
        await conn.close()
