"""Talking to nodes: RPC, follower, backfill, mempool, and a local Anvil."""
