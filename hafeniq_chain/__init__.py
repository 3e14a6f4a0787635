"""hafeniq-chain: on-chain threat detection daemon."""
__version__ = "0.1.0"
