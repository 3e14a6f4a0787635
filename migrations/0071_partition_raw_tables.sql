-- Raw per-block tables partitioned by block range (issue 21), so retention drops whole
-- partitions (no DELETE, no bloat, no vacuum debt) and each partition's indexes stay small.
--
-- Partition key (chain_id, block_number): one range per chain and `width` blocks, named
-- <table>_c<chain>_b<first block>. The writer calls hafeniq_ensure_block_partitions() at
-- the start of every write (the partitions of the batch and the next range ahead); rows
-- never land in a partition that was not created for them (there is no default partition,
-- so a missing one is a loud error rather than a table that silently grows).
--
-- Index review: every key now leads with (chain_id, block_number), which serves the
-- per-block paths (writer rewrite and aggregation, reorg cascade, retention); the separate
-- *_block indexes were duplicates of it and are gone. Indexes no query of the package uses
-- (transactions by hash / by sender / by target+selector, logs by topic or by tx, calls by
-- target+selector, swaps by pool) are dropped from the defaults; README "Storage that scales" lists them
-- for operators who query raw rows by hand.

CREATE TABLE block_partitioning (
    one    boolean PRIMARY KEY DEFAULT true CHECK (one),
    width  bigint NOT NULL CHECK (width >= 1)        -- blocks per partition; fixed once used
);
INSERT INTO block_partitioning (width) VALUES (50000);

CREATE FUNCTION hafeniq_ensure_block_partitions(p_chain bigint, p_from bigint, p_to bigint)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    w bigint := (SELECT width FROM block_partitioning);
    lo bigint;
    tbl text;
    part text;
    created integer := 0;
BEGIN
    -- the ranges of [p_from, p_to] plus the next one ahead
    FOR lo IN SELECT generate_series((p_from / w) * w, (p_to / w + 1) * w, w) LOOP
        FOREACH tbl IN ARRAY ARRAY['transactions', 'logs', 'calls', 'swaps', 'edge_events']
        LOOP
            part := format('%s_c%s_b%s', tbl, p_chain, lo);
            IF to_regclass(part) IS NULL THEN
                -- one creator at a time (two writers of one chain, a backfill beside run)
                PERFORM pg_advisory_xact_lock(7236466223406393920);
                IF to_regclass(part) IS NULL THEN
                    EXECUTE format(
                        'CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%s, %s) TO (%s, %s)',
                        part, tbl, p_chain, lo, p_chain, lo + w);
                    created := created + 1;
                END IF;
            END IF;
        END LOOP;
    END LOOP;
    RETURN created;
END $$;

-- Each table: move aside, create the partitioned parent with the same columns, create the
-- partitions the stored blocks need, copy the rows over, drop the old table.
ALTER TABLE transactions RENAME TO transactions_unpartitioned;
ALTER TABLE logs RENAME TO logs_unpartitioned;
ALTER TABLE calls RENAME TO calls_unpartitioned;
ALTER TABLE swaps RENAME TO swaps_unpartitioned;
ALTER TABLE edge_events RENAME TO edge_events_unpartitioned;
ALTER TABLE transactions_unpartitioned DROP CONSTRAINT transactions_pkey;
ALTER TABLE logs_unpartitioned DROP CONSTRAINT logs_pkey;
ALTER TABLE calls_unpartitioned DROP CONSTRAINT calls_pkey;
ALTER TABLE swaps_unpartitioned DROP CONSTRAINT swaps_pkey;
ALTER TABLE edge_events_unpartitioned DROP CONSTRAINT edge_events_pkey;
DROP INDEX transactions_block, transactions_from, transactions_to_selector, logs_address_topic,
    logs_tx, calls_to_selector, calls_block, swaps_pool, swaps_block, edge_events_src,
    edge_events_dst, edge_events_block;

CREATE TABLE transactions (LIKE transactions_unpartitioned INCLUDING DEFAULTS)
    PARTITION BY RANGE (chain_id, block_number);
CREATE TABLE logs (LIKE logs_unpartitioned INCLUDING DEFAULTS)
    PARTITION BY RANGE (chain_id, block_number);
CREATE TABLE calls (LIKE calls_unpartitioned INCLUDING DEFAULTS)
    PARTITION BY RANGE (chain_id, block_number);
CREATE TABLE swaps (LIKE swaps_unpartitioned INCLUDING DEFAULTS)
    PARTITION BY RANGE (chain_id, block_number);
CREATE TABLE edge_events (LIKE edge_events_unpartitioned INCLUDING DEFAULTS)
    PARTITION BY RANGE (chain_id, block_number);

-- transactions: a block's transactions in order (the pending-transaction links and the
-- private flag join by hash within the batch's blocks, which this key serves)
ALTER TABLE transactions ADD PRIMARY KEY (chain_id, block_number, tx_index);
-- logs: per block; by emitting contract over a block range (governance detectors)
ALTER TABLE logs ADD PRIMARY KEY (chain_id, block_number, log_index);
CREATE INDEX logs_address ON logs (chain_id, address, block_number);
ALTER TABLE calls ADD PRIMARY KEY (chain_id, block_number, tx_hash, trace_address);
ALTER TABLE swaps ADD PRIMARY KEY (chain_id, block_number, tx_hash, position);
-- edge_events: per block (writer, reorg), by source / destination (hot-wallet history,
-- escrow balances, last contribution after a reorg)
ALTER TABLE edge_events ADD PRIMARY KEY (chain_id, block_number, tx_hash, position, kind);
CREATE INDEX edge_events_src ON edge_events (chain_id, src, block_number);
CREATE INDEX edge_events_dst ON edge_events (chain_id, dst, block_number);

ALTER TABLE transactions ADD FOREIGN KEY (chain_id, block_number)
    REFERENCES blocks (chain_id, number) ON DELETE CASCADE;
ALTER TABLE logs ADD FOREIGN KEY (chain_id, block_number)
    REFERENCES blocks (chain_id, number) ON DELETE CASCADE;
ALTER TABLE calls ADD FOREIGN KEY (chain_id, block_number)
    REFERENCES blocks (chain_id, number) ON DELETE CASCADE;
ALTER TABLE swaps ADD FOREIGN KEY (chain_id, block_number)
    REFERENCES blocks (chain_id, number) ON DELETE CASCADE;
ALTER TABLE edge_events ADD FOREIGN KEY (chain_id, block_number)
    REFERENCES blocks (chain_id, number) ON DELETE CASCADE;

SELECT hafeniq_ensure_block_partitions(chain_id, min(number), max(number))
FROM blocks GROUP BY chain_id;

INSERT INTO transactions SELECT * FROM transactions_unpartitioned;
INSERT INTO logs SELECT * FROM logs_unpartitioned;
INSERT INTO calls SELECT * FROM calls_unpartitioned;
INSERT INTO swaps SELECT * FROM swaps_unpartitioned;
INSERT INTO edge_events SELECT * FROM edge_events_unpartitioned;
DROP TABLE transactions_unpartitioned, logs_unpartitioned, calls_unpartitioned,
    swaps_unpartitioned, edge_events_unpartitioned;
