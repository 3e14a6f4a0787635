"""Single user actions on the world's contracts, each queued as one transaction.

Benign traffic and attack scenarios are both built from these, so a detector cannot tell
them apart by calldata shape alone — only by behaviour. Every function returns the tx hash
without waiting; the caller decides when to mine.
"""

from __future__ import annotations

from eth_utils.crypto import keccak
from web3.contract import Contract

from hafeniq_chain.world.manifest import Manifest
from hafeniq_chain.world.txs import Sender, checksum

MAX_UINT = 2**256 - 1
DEADLINE = 2**40


class World:
    """Contract handles for one manifest, bound to a Sender."""

    def __init__(self, sender: Sender, manifest: Manifest) -> None:
        self.s = sender
        self.m = manifest
        self.router = sender.contract("UniswapV2Router02", manifest.address("Router02"))
        self.governor = sender.contract("HafenGovernor", manifest.address("Governor"))
        self.bridge = sender.contract("BridgeEscrow", manifest.address("BridgeEscrow"))
        self.gov = sender.contract("GovToken", manifest.address("GovToken"))

    def token(self, symbol: str) -> Contract:
        artifact = {"WETH": "WETH9", "HGOV": "GovToken"}.get(symbol, "Stablecoin")
        return self.s.contract(artifact, self.m.tokens[symbol].address)

    def unit(self, symbol: str) -> int:
        return int(10 ** self.m.tokens[symbol].decimals)

    # --- ERC-20 -----------------------------------------------------------------------
    def mint(self, symbol: str, to: str, amount: int) -> str:
        return self.s.call(self.m.accounts["deployer"], self.token(symbol), "mint",
                           checksum(to), amount, gas=120_000)

    def transfer(self, sender: str, symbol: str, to: str, amount: int, **kw: int) -> str:
        return self.s.call(sender, self.token(symbol), "transfer", checksum(to), amount,
                           gas=120_000, **kw)

    def approve(self, sender: str, symbol: str, spender: str, amount: int = MAX_UINT) -> str:
        return self.s.call(sender, self.token(symbol), "approve", checksum(spender), amount,
                           gas=80_000)

    def send_eth(self, sender: str, to: str, value: int) -> str:
        return self.s.send(sender, to, b"", value=value, gas=21_000)

    # --- Uniswap V2 through Router02 ----------------------------------------------------
    def path(self, a: str, b: str) -> list[str]:
        return [checksum(self.m.tokens[a].address), checksum(self.m.tokens[b].address)]

    def buy(self, sender: str, symbol: str, eth_in: int, min_out: int = 0, **kw: int) -> str:
        """Swap exact ETH for ``symbol``."""
        return self.s.call(sender, self.router, "swapExactETHForTokens", min_out,
                           self.path("WETH", symbol), checksum(sender), DEADLINE,
                           value=eth_in, gas=250_000, **kw)

    def sell(self, sender: str, symbol: str, amount_in: int, min_out: int = 0,
             **kw: int) -> str:
        """Swap exact ``symbol`` for ETH (needs a router approval)."""
        return self.s.call(sender, self.router, "swapExactTokensForETH", amount_in, min_out,
                           self.path(symbol, "WETH"), checksum(sender), DEADLINE,
                           gas=250_000, **kw)

    def quote_buy(self, symbol: str, eth_in: int) -> int:
        out = self.router.functions.getAmountsOut(eth_in, self.path("WETH", symbol)).call()
        return int(out[-1])

    def add_liquidity(self, sender: str, symbol: str, amount: int, eth: int) -> str:
        return self.s.call(sender, self.router, "addLiquidityETH",
                           checksum(self.m.tokens[symbol].address), amount, 0, 0,
                           checksum(sender), DEADLINE, value=eth, gas=4_000_000)

    def remove_liquidity(self, sender: str, symbol: str, liquidity: int) -> str:
        return self.s.call(sender, self.router, "removeLiquidityETH",
                           checksum(self.m.tokens[symbol].address), liquidity, 0, 0,
                           checksum(sender), DEADLINE, gas=400_000)

    # --- bridge -------------------------------------------------------------------------
    def bridge_deposit(self, sender: str, symbol: str, amount: int, dest_chain: int,
                       recipient: str) -> str:
        return self.s.call(sender, self.bridge, "deposit", checksum(self.m.tokens[symbol].address),
                           amount, dest_chain, checksum(recipient), gas=150_000)

    def bridge_release(self, symbol: str, recipient: str, amount: int, src_chain: int,
                       message_id: bytes) -> str:
        return self.s.call(self.m.accounts["relayer"], self.bridge, "release",
                           checksum(self.m.tokens[symbol].address), checksum(recipient), amount,
                           src_chain, message_id, gas=150_000)

    # --- governance ---------------------------------------------------------------------
    def delegate(self, sender: str, to: str) -> str:
        return self.s.call(sender, self.gov, "delegate", checksum(to), gas=150_000)

    def transfer_proposal(self, symbol: str, to: str, amount: int,
                          description: str) -> tuple[list[str], list[int], list[bytes], str]:
        """A proposal that pays ``amount`` of a token from the timelock treasury."""
        data = self.token(symbol).encode_abi("transfer", args=[checksum(to), amount])
        return ([checksum(self.m.tokens[symbol].address)], [0], [bytes.fromhex(data[2:])],
                description)

    def propose(self, sender: str, proposal: tuple[list[str], list[int], list[bytes], str]
                ) -> str:
        return self.s.call(sender, self.governor, "propose", *proposal, gas=600_000)

    def proposal_id(self, proposal: tuple[list[str], list[int], list[bytes], str]) -> int:
        targets, values, calldatas, description = proposal
        return int(self.governor.functions.hashProposal(
            targets, values, calldatas, keccak(text=description)).call())

    def vote(self, sender: str, proposal_id: int, support: int, **kw: int) -> str:
        return self.s.call(sender, self.governor, "castVote", proposal_id, support,
                           gas=200_000, **kw)

    def queue(self, sender: str, proposal: tuple[list[str], list[int], list[bytes], str]
              ) -> str:
        t, v, c, d = proposal
        return self.s.call(sender, self.governor, "queue", t, v, c, keccak(text=d),
                           gas=400_000)

    def execute(self, sender: str, proposal: tuple[list[str], list[int], list[bytes], str]
                ) -> str:
        t, v, c, d = proposal
        return self.s.call(sender, self.governor, "execute", t, v, c, keccak(text=d),
                           gas=400_000)
