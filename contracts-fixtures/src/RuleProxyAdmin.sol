// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ProxyAdmin} from "@openzeppelin/contracts/proxy/transparent/ProxyAdmin.sol";

/// OpenZeppelin's ProxyAdmin (Ownable, upgradeAndCall): the ABI of the admin RuleProxy
/// creates.
contract RuleProxyAdmin is ProxyAdmin {
    constructor(address initialOwner) ProxyAdmin(initialOwner) {}
}
