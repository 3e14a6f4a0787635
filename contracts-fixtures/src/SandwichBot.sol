// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

interface IRouterV2 {
    function swapExactETHForTokens(uint256 amountOutMin, address[] calldata path, address to, uint256 deadline)
        external payable returns (uint256[] memory amounts);
    function swapExactTokensForETH(uint256 amountIn, uint256 amountOutMin, address[] calldata path, address to, uint256 deadline)
        external returns (uint256[] memory amounts);
}

/// Attacker helper for the sandwich variant "through a helper contract": the bot's EOA
/// calls this contract, which trades on Router02 and keeps the tokens between legs.
contract SandwichBot {
    address public immutable owner;

    constructor() {
        owner = msg.sender;
    }

    function front(address router, address weth, address token) external payable {
        require(msg.sender == owner, "SandwichBot: owner");
        address[] memory path = new address[](2);
        path[0] = weth;
        path[1] = token;
        IRouterV2(router).swapExactETHForTokens{value: msg.value}(0, path, address(this), block.timestamp);
    }

    function back(address router, address weth, address token) external {
        require(msg.sender == owner, "SandwichBot: owner");
        uint256 amount = IERC20(token).balanceOf(address(this));
        IERC20(token).approve(router, amount);
        address[] memory path = new address[](2);
        path[0] = token;
        path[1] = weth;
        IRouterV2(router).swapExactTokensForETH(amount, 0, path, owner, block.timestamp);
    }
}
