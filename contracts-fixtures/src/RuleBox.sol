// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// The implementation behind RuleProxy (an ERC-1967 transparent proxy) in the user-rule
/// tests: a value only so the upgrade has something to point at.
contract RuleBox {
    uint256 public value;

    function setValue(uint256 v) external {
        value = v;
    }
}
