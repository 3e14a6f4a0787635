"""Seeded variant generators for the governance, bridge and liquidity detectors.

Each family yields ``Case``s from a seed: attacks of different sizes, hop counts, timings
and actor counts, and named look-alikes (the everyday traffic that resembles them). Pure
data: the cases run through the detectors without a node or a database, so
``hafeniq-chain eval`` and the unit tests judge the same rules on seeds never tuned on.
"""
