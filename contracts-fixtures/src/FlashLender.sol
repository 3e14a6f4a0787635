// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IERC3156FlashLender} from "@openzeppelin/contracts/interfaces/IERC3156FlashLender.sol";
import {IERC3156FlashBorrower} from "@openzeppelin/contracts/interfaces/IERC3156FlashBorrower.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

/// ERC-3156 lender over the ERC-20 balances it holds; fee in basis points.
contract FlashLender is IERC3156FlashLender {
    using SafeERC20 for IERC20;

    bytes32 private constant CALLBACK_SUCCESS = keccak256("ERC3156FlashBorrower.onFlashLoan");
    uint256 public immutable feeBps;

    event FlashLoan(address indexed receiver, address indexed token, uint256 amount, uint256 fee);

    constructor(uint256 feeBps_) {
        feeBps = feeBps_;
    }

    function maxFlashLoan(address token) public view returns (uint256) {
        return IERC20(token).balanceOf(address(this));
    }

    function flashFee(address, uint256 amount) public view returns (uint256) {
        return (amount * feeBps) / 10_000;
    }

    function flashLoan(IERC3156FlashBorrower receiver, address token, uint256 amount, bytes calldata data)
        external returns (bool)
    {
        require(amount <= maxFlashLoan(token), "FlashLender: amount");
        uint256 fee = flashFee(token, amount);
        IERC20(token).safeTransfer(address(receiver), amount);
        require(receiver.onFlashLoan(msg.sender, token, amount, fee, data) == CALLBACK_SUCCESS, "FlashLender: callback");
        IERC20(token).safeTransferFrom(address(receiver), address(this), amount + fee);
        emit FlashLoan(address(receiver), token, amount, fee);
        return true;
    }
}
