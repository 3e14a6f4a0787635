"""The vocabulary every stage shares: findings, reason codes, actions, policy, stats.

Why a bottom layer: detectors, fusion, the off-chain engine, the store and the config all
speak of the same findings and actions; keeping those here lets each stage import downward
only (``tests/unit/test_layers.py`` fails on any upward import or package cycle).
"""
