"""Fusion and policy: Findings -> incidents with a 0-1000 risk score -> decisions."""
