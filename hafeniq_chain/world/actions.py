"""Single user actions on the world's contracts, each one transaction.

Benign traffic and attack scenarios are both built from these, so a detector cannot tell
them apart by calldata shape alone — only by behaviour. Every function returns the tx hash
without waiting for it ("" when the Sender is buffering a batch).
"""

from __future__ import annotations

from eth_abi.abi import encode
from eth_utils.crypto import keccak
from web3.contract import Contract

from hafeniq_chain.world.manifest import Manifest
from hafeniq_chain.world.txs import Sender, calldata

MAX_UINT = 2**256 - 1
DEADLINE = 2**40
Proposal = tuple[list[str], list[int], list[bytes], str]


class World:
    """Addresses of one manifest, bound to a Sender."""

    def __init__(self, sender: Sender, manifest: Manifest) -> None:
        self.s = sender
        self.m = manifest
        self.router = sender.contract("UniswapV2Router02", manifest.address("Router02"))
        self.governor = sender.contract("HafenGovernor", manifest.address("Governor"))
        self.bridge = sender.contract("BridgeEscrow", manifest.address("BridgeEscrow"))
        self.gov = sender.contract("GovToken", manifest.address("GovToken"))
        self.weth = manifest.tokens["WETH"].address.lower()

    def token(self, symbol: str) -> Contract:
        artifact = {"WETH": "WETH9", "HGOV": "GovToken"}.get(symbol, "Stablecoin")
        return self.s.contract(artifact, self.m.tokens[symbol].address)

    def tok(self, symbol: str) -> str:
        return self.m.tokens[symbol].address.lower()

    def unit(self, symbol: str) -> int:
        return int(10 ** self.m.tokens[symbol].decimals)

    # --- ERC-20 -----------------------------------------------------------------------
    def mint(self, symbol: str, to: str, amount: int) -> str:
        return self.s.call(self.m.accounts["deployer"], self.tok(symbol),
                           "mint(address,uint256)", to.lower(), amount, gas=120_000)

    def transfer(self, sender: str, symbol: str, to: str, amount: int, **kw: int) -> str:
        return self.s.call(sender, self.tok(symbol), "transfer(address,uint256)", to.lower(),
                           amount, gas=120_000, **kw)

    def approve(self, sender: str, symbol: str, spender: str, amount: int = MAX_UINT) -> str:
        return self.s.call(sender, self.tok(symbol), "approve(address,uint256)",
                           spender.lower(), amount, gas=80_000)

    def send_eth(self, sender: str, to: str, value: int) -> str:
        return self.s.send(sender, to, b"", value=value, gas=21_000)

    # --- Uniswap V2 through Router02 ----------------------------------------------------
    def buy(self, sender: str, symbol: str, eth_in: int, min_out: int = 0, **kw: int) -> str:
        """Swap exact ETH for ``symbol``."""
        return self.s.call(sender, self.router.address,
                           "swapExactETHForTokens(uint256,address[],address,uint256)",
                           min_out, [self.weth, self.tok(symbol)], sender.lower(), DEADLINE,
                           value=eth_in, gas=250_000, **kw)

    def sell(self, sender: str, symbol: str, amount_in: int, min_out: int = 0,
             **kw: int) -> str:
        """Swap exact ``symbol`` for ETH (needs a router approval)."""
        return self.s.call(sender, self.router.address,
                           "swapExactTokensForETH(uint256,uint256,address[],address,uint256)",
                           amount_in, min_out, [self.tok(symbol), self.weth], sender.lower(),
                           DEADLINE, gas=250_000, **kw)

    def quote_buy(self, symbol: str, eth_in: int) -> int:
        path = [self.router.w3.to_checksum_address(a) for a in (self.weth, self.tok(symbol))]
        return int(self.router.functions.getAmountsOut(eth_in, path).call()[-1])

    def add_liquidity(self, sender: str, symbol: str, amount: int, eth: int) -> str:
        return self.s.call(sender, self.router.address,
                           "addLiquidityETH(address,uint256,uint256,uint256,address,uint256)",
                           self.tok(symbol), amount, 0, 0, sender.lower(), DEADLINE,
                           value=eth, gas=4_000_000)

    def remove_liquidity(self, sender: str, symbol: str, liquidity: int) -> str:
        return self.s.call(sender, self.router.address,
                           "removeLiquidityETH(address,uint256,uint256,uint256,address,uint256)",
                           self.tok(symbol), liquidity, 0, 0, sender.lower(), DEADLINE,
                           gas=400_000)

    # --- bridge -------------------------------------------------------------------------
    def bridge_deposit(self, sender: str, symbol: str, amount: int, dest_chain: int,
                       recipient: str) -> str:
        return self.s.call(sender, self.bridge.address,
                           "deposit(address,uint256,uint256,address)", self.tok(symbol),
                           amount, dest_chain, recipient.lower(), gas=150_000)

    def bridge_release(self, symbol: str, recipient: str, amount: int, src_chain: int,
                       message_id: bytes) -> str:
        return self.s.call(self.m.accounts["relayer"], self.bridge.address,
                           "release(address,address,uint256,uint256,bytes32)",
                           self.tok(symbol), recipient.lower(), amount, src_chain, message_id,
                           gas=150_000)

    # --- governance ---------------------------------------------------------------------
    def delegate(self, sender: str, to: str) -> str:
        return self.s.call(sender, self.gov.address, "delegate(address)", to.lower(),
                           gas=150_000)

    def transfer_proposal(self, symbol: str, to: str, amount: int, description: str
                          ) -> Proposal:
        """A proposal that pays ``amount`` of a token from the timelock treasury."""
        data = calldata("transfer(address,uint256)", to.lower(), amount)
        return [self.tok(symbol)], [0], [data], description

    def propose(self, sender: str, p: Proposal) -> str:
        return self.s.call(sender, self.governor.address,
                           "propose(address[],uint256[],bytes[],string)", *p, gas=600_000)

    def proposal_id(self, p: Proposal) -> int:
        """Same as ``Governor.hashProposal``, computed locally."""
        blob = encode(["address[]", "uint256[]", "bytes[]", "bytes32"],
                      [p[0], p[1], p[2], keccak(text=p[3])])
        return int.from_bytes(keccak(blob), "big")

    def vote(self, sender: str, proposal_id: int, support: int, **kw: int) -> str:
        return self.s.call(sender, self.governor.address, "castVote(uint256,uint8)",
                           proposal_id, support, gas=200_000, **kw)

    def queue(self, sender: str, p: Proposal) -> str:
        return self.s.call(sender, self.governor.address,
                           "queue(address[],uint256[],bytes[],bytes32)",
                           p[0], p[1], p[2], keccak(text=p[3]), gas=400_000)

    def execute(self, sender: str, p: Proposal) -> str:
        return self.s.call(sender, self.governor.address,
                           "execute(address[],uint256[],bytes[],bytes32)",
                           p[0], p[1], p[2], keccak(text=p[3]), gas=400_000)
