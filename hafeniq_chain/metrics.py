"""Prometheus metrics, defined once so every stage and `/metrics` agree on names.

Names follow Prometheus conventions (`hafeniq_` prefix, `_total` for counters,
base units in the name). Stages import the metric they update; nothing else
registers metrics.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)

BLOCKS_INDEXED = Counter(
    "hafeniq_blocks_indexed_total", "Blocks written to the store.", ["source"], registry=REGISTRY)
HEAD_LAG_BLOCKS = Gauge(
    "hafeniq_head_lag_blocks", "Node head minus last indexed block (negative: node behind).",
    registry=REGISTRY)
NODE_HEAD_AGE_SECONDS = Gauge(
    "hafeniq_node_head_age_seconds", "Seconds since the node's head was last read.",
    registry=REGISTRY)
CHAIN_HEAD_LAG_BLOCKS = Gauge(
    "hafeniq_chain_head_lag_blocks", "Per chain (name): node head minus stored cursor, on "
    "the chain's owner; -1 on a standby.", ["chain"], registry=REGISTRY)
PENDING_TXS_SEEN = Counter(
    "hafeniq_pending_txs_seen_total", "Pending transactions first seen.", registry=REGISTRY)
DECODE_ERRORS = Counter(
    "hafeniq_decode_errors_total", "Logs or calls that failed to decode.", ["kind"],
    registry=REGISTRY)
VALUES_OUT_OF_RANGE = Counter(
    "hafeniq_values_out_of_range_total", "Integers too large for their column, stored as NULL.",
    ["column"], registry=REGISTRY)
REORGS = Counter("hafeniq_reorgs_total", "Reorgs repaired.", registry=REGISTRY)
FINDINGS = Counter(
    "hafeniq_findings_total", "Findings raised.", ["detector"], registry=REGISTRY)
INCIDENTS = Counter(
    "hafeniq_incidents_total", "Incidents opened.", ["severity"], registry=REGISTRY)
ALERT_DELIVERIES = Counter(
    "hafeniq_alert_deliveries_total", "Alert delivery attempts by outcome.",
    ["channel", "outcome"], registry=REGISTRY)  # outcome: ok | failed | dead
ALERT_DELIVERY_LATENCY = Histogram(
    "hafeniq_alert_delivery_latency_seconds", "From alert stored to delivered, per channel.",
    ["channel"], buckets=(0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600),
    registry=REGISTRY)
SCORING_LATENCY = Histogram(
    "hafeniq_scoring_latency_seconds", "Synchronous withdrawal scoring latency.",
    buckets=(0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0), registry=REGISTRY)
QUEUE_DEPTH = Gauge(
    "hafeniq_queue_depth", "Items waiting in an internal queue.", ["queue"], registry=REGISTRY)
DETECTOR_PRECISION = Gauge(
    "hafeniq_detector_precision", "Posterior mean precision from analyst feedback.",
    ["detector"], registry=REGISTRY)
DETECTOR_BRIER = Gauge(
    "hafeniq_detector_brier", "Brier score of a detector's scores against analyst verdicts.",
    ["detector"], registry=REGISTRY)
