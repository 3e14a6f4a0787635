"""Deploy the whole world on a fresh Anvil and return its manifest.

Real Uniswap V2 bytecode (factory, pair via factory, Router02, WETH9), OpenZeppelin governance
(token, governor, timelock), stablecoins, an ERC-3156 lender and our bridge escrow; then
liquidity so that swaps have realistic prices. Anvil's unlocked dev accounts play the roles.
"""

from __future__ import annotations

from web3 import Web3

from hafeniq_chain.log import get_logger
from hafeniq_chain.world.manifest import Deployed, Manifest, TokenInfo
from hafeniq_chain.world.txs import Sender, checksum, set_automine

log = get_logger(__name__)

E18 = 10**18
ZERO = "0x0000000000000000000000000000000000000000"
MAX_UINT = 2**256 - 1
ROLES = ("deployer", "relayer", "hot_wallet", "lp", "keeper")
# symbol -> (name, decimals); all are the Stablecoin artifact (owner-mintable ERC-20).
ERC20S = {"HUSD": ("Hafen USD", 18), "HUSDC": ("Hafen USD Coin", 6),
          "TKA": ("Token A", 18), "TKB": ("Token B", 18)}
# pair -> (token units per 1 ETH, ETH in the pool)
PRICES = {"TKA": (1_000, 400), "TKB": (250, 300), "HUSD": (2_000, 500),
          "HUSDC": (2_000, 500), "HGOV": (500, 300)}
PARAMS = {"voting_delay": 1, "voting_period": 20, "timelock_delay": 3600, "quorum_pct": 4,
          "flash_fee_bps": 9, "gov_supply": 10_000_000 * E18}


def deploy_world(w3: Web3) -> Manifest:
    """Deploy and wire everything; automine is on afterwards. Takes ~1 s on Anvil."""
    set_automine(w3, True)
    s = Sender(w3)
    accts = [str(a) for a in w3.eth.accounts]
    roles = dict(zip(ROLES, accts, strict=False))
    me = roles["deployer"]
    m = Manifest(chain_id=w3.eth.chain_id, deploy_block=w3.eth.block_number + 1,
                 accounts=roles, params=dict(PARAMS))

    def deploy(name: str, artifact: str, *args: object) -> str:
        receipt = s.receipts([s.deploy(me, artifact, *args)])[0]
        addr = str(receipt["contractAddress"])
        m.contracts[name] = Deployed(addr, int(receipt["blockNumber"]), artifact)
        return addr

    def call(name: str, sig: str, *args: object) -> None:
        s.receipts([s.call(me, m.address(name), sig, *args, gas=5_000_000)])

    weth = deploy("WETH9", "WETH9")
    factory = deploy("Factory", "UniswapV2Factory", checksum(me))
    deploy("Router02", "UniswapV2Router02", checksum(factory), checksum(weth))
    gov = deploy("GovToken", "GovToken", checksum(me), PARAMS["gov_supply"])
    timelock = deploy("Timelock", "HafenTimelock", PARAMS["timelock_delay"], [],
                      [checksum(ZERO)], checksum(me))
    governor = deploy("Governor", "HafenGovernor", checksum(gov), checksum(timelock),
                      PARAMS["voting_delay"], PARAMS["voting_period"])
    tl = s.contract("HafenTimelock", timelock)
    for role in ("PROPOSER_ROLE", "CANCELLER_ROLE"):
        call("Timelock", "grantRole(bytes32,address)", tl.functions[role]().call(), governor)
    m.tokens["WETH"] = TokenInfo(weth, 18)
    m.tokens["HGOV"] = TokenInfo(gov, 18)
    for sym, (name, dec) in ERC20S.items():
        addr = deploy(sym, "Stablecoin", name, sym, dec, checksum(me))
        m.tokens[sym] = TokenInfo(addr, dec)
    lender = deploy("FlashLender", "FlashLender", PARAMS["flash_fee_bps"])
    bridge = deploy("BridgeEscrow", "BridgeEscrow", checksum(roles["relayer"]))
    call("HUSD", "mint(address,uint256)", lender, 10_000_000 * E18)
    call("HUSD", "mint(address,uint256)", bridge, 5_000_000 * E18)
    call("HUSDC", "mint(address,uint256)", bridge, 5_000_000 * 10**6)
    call("GovToken", "transfer(address,uint256)", timelock, 1_000_000 * E18)
    call("GovToken", "delegate(address)", me)
    _seed_liquidity(s, m, me)
    log.info("world.deployed", contracts=len(m.contracts), pairs=len(m.pairs),
             block=w3.eth.block_number)
    return m


def _seed_liquidity(s: Sender, m: Manifest, me: str) -> None:
    """One ETH pair per token through the real Router02 (which creates the pairs)."""
    router = s.contract("UniswapV2Router02", m.address("Router02"))
    factory = s.contract("UniswapV2Factory", m.address("Factory"))
    deadline = 2**40
    for sym, (per_eth, eth) in PRICES.items():
        tok = m.tokens[sym]
        amount = per_eth * eth * 10**tok.decimals
        if sym != "HGOV":
            s.receipts([s.call(me, tok.address, "mint(address,uint256)", me, amount)])
        s.receipts([s.call(me, tok.address, "approve(address,uint256)", router.address,
                           MAX_UINT)])
        s.receipts([s.call(me, router.address,
                           "addLiquidityETH(address,uint256,uint256,uint256,address,uint256)",
                           tok.address, amount, 0, 0, me, deadline, value=eth * E18,
                           gas=5_000_000)])
        pair = factory.functions.getPair(checksum(tok.address), checksum(m.tokens["WETH"].address)
                                         ).call()
        m.pairs[f"{sym}/WETH"] = pair
