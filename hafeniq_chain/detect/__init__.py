"""Detectors: small plugins that turn decoded activity into explained Findings."""
