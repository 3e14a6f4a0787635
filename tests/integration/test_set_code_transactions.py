"""EIP-7702 set-code transactions (type 4) on a real Anvil: the authorization list is
stored with each entry's authority recovered from its signature, so an EOA delegating its
code to a contract is visible."""

from __future__ import annotations

import asyncpg
import pytest
from eth_account import Account
from web3 import Web3

from hafeniq_chain.chain.anvil import AnvilNode
from hafeniq_chain.chain.follower import Follower
from hafeniq_chain.chain.indexer import BlockIndexer
from hafeniq_chain.chain.rpc import RpcClient

pytestmark = pytest.mark.timeout(60)
MNEMONIC = "test test test test test test test test test test test junk"  # Anvil's default


def _account(index: int) -> Account:
    Account.enable_unaudited_hdwallet_features()
    return Account.from_mnemonic(MNEMONIC, account_path=f"m/44'/60'/0'/0/{index}")


async def test_authorization_list_with_recovered_authorities(anvil: AnvilNode,
                                                             pool: asyncpg.Pool) -> None:
    w3 = Web3(Web3.HTTPProvider(anvil.http_url))
    sender, authority, forged = _account(1), _account(2), _account(4)
    delegate = w3.eth.accounts[9]
    good = authority.sign_authorization({
        "chainId": 31337, "address": delegate,
        "nonce": w3.eth.get_transaction_count(authority.address)})
    other = forged.sign_authorization({"chainId": 0, "address": delegate, "nonce": 7})
    tx = {"type": 4, "chainId": 31337, "nonce": w3.eth.get_transaction_count(sender.address),
          "to": w3.eth.accounts[3], "value": 1, "gas": 200_000, "maxFeePerGas": 10**10,
          "maxPriorityFeePerGas": 10**9, "authorizationList": [good, other]}
    tx_hash = w3.eth.send_raw_transaction(sender.sign_transaction(tx).raw_transaction)
    assert w3.eth.wait_for_transaction_receipt(tx_hash)["status"] == 1
    w3.eth.send_transaction({"from": w3.eth.accounts[0], "to": w3.eth.accounts[5],
                             "value": 2})
    indexer = BlockIndexer(RpcClient([anvil.http_url]), pool, 31337)
    await Follower(indexer, start_block=0).catch_up()
    await indexer.rpc.close()
    row = await pool.fetchrow("SELECT tx_type, from_addr, authorization_list, "
                              "blob_versioned_hashes FROM transactions WHERE hash = $1",
                              tx_hash.to_0x_hex())
    assert row["tx_type"] == 4 and row["from_addr"] == sender.address.lower()
    assert row["blob_versioned_hashes"] is None
    assert row["authorization_list"] == [
        {"chain_id": 31337, "address": delegate.lower(), "nonce": good.nonce,
         "authority": authority.address.lower()},
        {"chain_id": 0, "address": delegate.lower(), "nonce": 7,
         "authority": forged.address.lower()}]
    # the authority's code now points at the delegate (0xef0100 || address)
    assert w3.eth.get_code(authority.address).hex() == "ef0100" + delegate[2:].lower()
    assert await pool.fetchval("SELECT count(*) FROM transactions WHERE "
                               "authorization_list IS NOT NULL") == 1
