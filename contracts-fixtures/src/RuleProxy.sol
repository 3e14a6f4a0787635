// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {TransparentUpgradeableProxy} from "@openzeppelin/contracts/proxy/transparent/TransparentUpgradeableProxy.sol";

/// OpenZeppelin's ERC-1967 transparent proxy as published; its constructor deploys an
/// OpenZeppelin ProxyAdmin (Ownable) owned by ``initialOwner`` (ABI: RuleProxyAdmin).
contract RuleProxy is TransparentUpgradeableProxy {
    constructor(address logic, address initialOwner, bytes memory data)
        payable
        TransparentUpgradeableProxy(logic, initialOwner, data)
    {}
}
