// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

/// Lock-and-release bridge escrow of the test world.
/// `deposit` locks tokens for another chain; the relayer `release`s incoming transfers.
/// `process` is the message path with a DELIBERATE Nomad-style flaw: an unproven message has
/// root 0, and root 0 is "confirmed" since the (buggy) initialisation, so anyone can submit a
/// message with any recipient and it is accepted. Used to reproduce copycat drains.
contract BridgeEscrow {
    using SafeERC20 for IERC20;

    address public immutable relayer;
    uint256 public nonce;
    mapping(bytes32 => bool) public released;
    mapping(bytes32 => bytes32) public messageRoot;
    mapping(bytes32 => uint256) public confirmAt;

    event Deposit(address indexed token, address indexed from, uint256 amount, uint256 destChainId, address recipient, uint256 nonce);
    event Withdrawal(address indexed token, address indexed recipient, uint256 amount, uint256 srcChainId, bytes32 messageId);
    event Process(bytes32 indexed messageHash, bool success);

    constructor(address relayer_) {
        relayer = relayer_;
        // BUG (intentional): the zero root is marked confirmed, as in Nomad's faulty upgrade.
        confirmAt[bytes32(0)] = 1;
    }

    function deposit(address token, uint256 amount, uint256 destChainId, address recipient) external {
        IERC20(token).safeTransferFrom(msg.sender, address(this), amount);
        emit Deposit(token, msg.sender, amount, destChainId, recipient, nonce++);
    }

    function release(address token, address recipient, uint256 amount, uint256 srcChainId, bytes32 messageId) external {
        require(msg.sender == relayer, "BridgeEscrow: not relayer");
        require(!released[messageId], "BridgeEscrow: done");
        released[messageId] = true;
        IERC20(token).safeTransfer(recipient, amount);
        emit Withdrawal(token, recipient, amount, srcChainId, messageId);
    }

    /// Relayer proves a message root (stand-in for the optimistic-root flow).
    function confirmMessage(bytes32 messageHash, bytes32 root) external {
        require(msg.sender == relayer, "BridgeEscrow: not relayer");
        messageRoot[messageHash] = root;
        confirmAt[root] = block.timestamp;
    }

    /// message = abi.encode(token, recipient, amount, srcChainId, salt).
    function process(bytes calldata message) external returns (bool) {
        bytes32 messageHash = keccak256(message);
        require(!released[messageHash], "BridgeEscrow: processed");
        bytes32 root = messageRoot[messageHash]; // 0 for an unproven message...
        require(confirmAt[root] != 0 && confirmAt[root] <= block.timestamp, "BridgeEscrow: unproven");
        released[messageHash] = true;
        (address token, address recipient, uint256 amount, uint256 srcChainId,) =
            abi.decode(message, (address, address, uint256, uint256, bytes32));
        IERC20(token).safeTransfer(recipient, amount);
        emit Withdrawal(token, recipient, amount, srcChainId, messageHash);
        emit Process(messageHash, true);
        return true;
    }
}
