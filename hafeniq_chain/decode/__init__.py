"""Decoding: ABI registry, logs and calldata into typed records."""
