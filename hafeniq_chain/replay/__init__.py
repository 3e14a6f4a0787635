"""Recorded inputs (mev-inspect blocks, eth_getLogs files) fed through the live pipeline."""
