"""Off-chain risk: withdrawal scoring against account and platform baselines.

Kept apart from ``detect/`` because it answers synchronously per request (a decision,
not a Finding stream); it reads the entity graph the chain side fills.
"""
