-- An audit link has at most one successor: the chain cannot fork, whoever appends and
-- whether or not they took the append lock. The scoring API's fast path relies on it:
-- it appends after the head it wrote last without re-reading it, and a stale head makes
-- its statement fail whole instead of branching the chain.
CREATE UNIQUE INDEX audit_log_single_successor ON audit_log (prev_hash);
