"""Evaluation: labelled attacks vs findings -> precision, recall, F1, FP rate, latency."""
