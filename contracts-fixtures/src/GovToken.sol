// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {ERC20Votes} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Votes.sol";
import {ERC20FlashMint} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20FlashMint.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";

/// Governance token of the test world: votes by delegation, permit, and ERC-3156 flash mint
/// (the flash mint is what makes the flash-loan governance scenario possible).
contract GovToken is ERC20, ERC20Permit, ERC20Votes, ERC20FlashMint {
    constructor(address holder, uint256 supply) ERC20("Hafen Governance", "HGOV") ERC20Permit("Hafen Governance") {
        _mint(holder, supply);
    }

    function _update(address from, address to, uint256 value) internal override(ERC20, ERC20Votes) {
        super._update(from, to, value);
    }

    function nonces(address owner) public view override(ERC20Permit, Nonces) returns (uint256) {
        return super.nonces(owner);
    }
}
