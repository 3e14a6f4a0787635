-- Per-block access paths: the writer aggregates edges and first funders of the blocks it
-- just wrote, and deleting a block (rewrite or reorg) cascades into these tables. Without
-- a leading block_number index each of those is a full scan that grows with history.
CREATE INDEX edge_events_block ON edge_events (chain_id, block_number);
CREATE INDEX calls_block ON calls (chain_id, block_number);
CREATE INDEX swaps_block ON swaps (chain_id, block_number);
CREATE INDEX findings_chain_block_to ON findings (chain_id, block_to);
