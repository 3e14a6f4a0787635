"""Plain-data builders for governance unit tests: decoded logs and transfers in a bundle."""

from __future__ import annotations

from typing import Any

from hafeniq_chain.decode.records import BlockBundle, LogRecord, TransferRecord, TxRecord

ZERO = "0x" + "00" * 20
GOV = "0x" + "99" * 20
TOKEN = "0x" + "77" * 20
E18 = 10**18


def addr(i: int) -> str:
    return "0x" + f"{i:040x}"


class BlockBuilder:
    """Appends events in order; log indexes and transfer positions follow the order."""

    def __init__(self, number: int) -> None:
        self.bundle = BlockBundle(31337, number, f"0x{number:064x}", "0x", 1_700_000_000)
        self._log = 0

    def tx(self, tx_hash: str, sender: str, index: int = 0) -> BlockBuilder:
        self.bundle.transactions.append(TxRecord(tx_hash, self.bundle.number, index, sender,
                                                 GOV, 0, b"\x12\x34\x56\x78", status=1))
        return self

    def log(self, tx: str, address: str, name: str, args: dict[str, Any],
            tx_index: int = 0) -> BlockBuilder:
        self.bundle.logs.append(LogRecord(self.bundle.number, self._log, tx, tx_index, address,
                                          ("0xtopic",), b"", name, args))
        self._log += 1
        return self

    def transfer(self, tx: str, src: str, dst: str, amount: int, tx_index: int = 0
                 ) -> BlockBuilder:
        self.bundle.transfers.append(TransferRecord(self.bundle.number, tx, tx_index,
                                                    f"log:{self._log}", TOKEN, src, dst,
                                                    amount))
        return self.log(tx, TOKEN, "Transfer", {"from": src, "to": dst, "value": amount},
                        tx_index)

    def delegate(self, tx: str, delegator: str, to: str, prev: int = 0, new: int = 0,
                 tx_index: int = 0) -> BlockBuilder:
        self.log(tx, TOKEN, "DelegateChanged", {"delegator": delegator, "fromDelegate": ZERO,
                                                "toDelegate": to}, tx_index)
        return self.votes_changed(tx, to, prev, new, tx_index) if new != prev else self

    def votes_changed(self, tx: str, delegate: str, prev: int, new: int, tx_index: int = 0
                      ) -> BlockBuilder:
        return self.log(tx, TOKEN, "DelegateVotesChanged",
                        {"delegate": delegate, "previousVotes": prev, "newVotes": new},
                        tx_index)

    def vote(self, tx: str, voter: str, proposal: int = 7, support: int = 1,
             weight: int = 10 * E18, tx_index: int = 0) -> BlockBuilder:
        return self.log(tx, GOV, "VoteCast", {"voter": voter, "proposalId": proposal,
                                              "support": support, "weight": weight,
                                              "reason": ""}, tx_index)

    def propose(self, tx: str, proposal: int, targets: list[str], calldatas: list[bytes],
                vote_start: int, proposer: str = addr(1)) -> BlockBuilder:
        return self.log(tx, GOV, "ProposalCreated", {
            "proposalId": proposal, "proposer": proposer, "targets": targets,
            "values": [0] * len(targets), "signatures": [""] * len(targets),
            "calldatas": ["0x" + c.hex() for c in calldatas], "voteStart": vote_start,
            "voteEnd": vote_start + 20, "description": "d"})
