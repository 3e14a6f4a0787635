"""The REST API: off-chain event ingest, synchronous withdrawal scoring, read endpoints."""
