-- hafeniq-chain initial schema.
-- Conventions (see README "Storage conventions"):
--   * addresses and hashes are lower-case 0x-prefixed hex in `text` columns;
--   * token amounts and wei values are `numeric(78,0)` (holds 2^256-1 exactly);
--   * every chain-derived row carries chain_id and block_number, so a reorg removes
--     an orphaned block's rows with one DELETE per table (ON DELETE CASCADE from blocks).

CREATE TABLE chains (
    chain_id      bigint PRIMARY KEY,
    name          text NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL DEFAULT now()
);

-- Named cursors (follower head, backfill ranges, finality). Written in the same
-- transaction as the data they describe.
CREATE TABLE cursors (
    chain_id      bigint NOT NULL REFERENCES chains(chain_id),
    name          text NOT NULL,
    block_number  bigint NOT NULL,
    block_hash    text,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (chain_id, name)
);

-- Canonical blocks only: orphaned blocks are deleted on reorg (their findings are kept
-- and marked retracted).
CREATE TABLE blocks (
    chain_id      bigint NOT NULL REFERENCES chains(chain_id),
    number        bigint NOT NULL,
    hash          text NOT NULL,
    parent_hash   text NOT NULL,
    timestamp     timestamptz NOT NULL,
    miner         text,
    base_fee      numeric(78,0),
    gas_used      bigint,
    gas_limit     bigint,
    tx_count      integer NOT NULL DEFAULT 0,
    finalized     boolean NOT NULL DEFAULT false,
    source        text NOT NULL DEFAULT 'node',      -- node | backfill | replay
    indexed_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (chain_id, number)
);
CREATE UNIQUE INDEX blocks_hash ON blocks (chain_id, hash);

CREATE TABLE transactions (
    chain_id          bigint NOT NULL,
    block_number      bigint NOT NULL,
    tx_index          integer NOT NULL,
    hash              text NOT NULL,
    from_addr         text NOT NULL,
    to_addr           text,                          -- NULL for contract creation
    value             numeric(78,0) NOT NULL DEFAULT 0,
    nonce             bigint,
    selector          text,                          -- first 4 bytes of input, 0x-hex
    input             bytea,
    gas               bigint,
    gas_price         numeric(78,0),
    max_fee           numeric(78,0),
    max_priority_fee  numeric(78,0),
    tx_type           smallint,
    status            smallint,                      -- 1 ok, 0 reverted, NULL unknown
    gas_used          bigint,
    effective_gas_price numeric(78,0),
    contract_address  text,
    function_name     text,                          -- decoded, when the ABI is known
    decoded_args      jsonb,
    private           boolean NOT NULL DEFAULT false, -- included without being seen pending
    mempool_delay_ms  bigint,
    PRIMARY KEY (chain_id, hash),
    FOREIGN KEY (chain_id, block_number) REFERENCES blocks(chain_id, number) ON DELETE CASCADE
);
CREATE INDEX transactions_block ON transactions (chain_id, block_number, tx_index);
CREATE INDEX transactions_from ON transactions (chain_id, from_addr, block_number);
CREATE INDEX transactions_to_selector ON transactions (chain_id, to_addr, selector, block_number);

CREATE TABLE logs (
    chain_id      bigint NOT NULL,
    block_number  bigint NOT NULL,
    log_index     integer NOT NULL,
    tx_hash       text NOT NULL,
    tx_index      integer NOT NULL,
    address       text NOT NULL,
    topic0        text,
    topics        text[] NOT NULL DEFAULT '{}',
    data          bytea NOT NULL DEFAULT '',
    event_name    text,                              -- NULL when unknown (kept raw)
    decoded       jsonb,
    PRIMARY KEY (chain_id, block_number, log_index),
    FOREIGN KEY (chain_id, block_number) REFERENCES blocks(chain_id, number) ON DELETE CASCADE
);
CREATE INDEX logs_address_topic ON logs (chain_id, address, topic0, block_number);
CREATE INDEX logs_tx ON logs (chain_id, tx_hash);

-- Internal calls from traces (optional fetch) and decoded top-level calls.
CREATE TABLE calls (
    chain_id      bigint NOT NULL,
    block_number  bigint NOT NULL,
    tx_hash       text NOT NULL,
    tx_index      integer NOT NULL,
    trace_address text NOT NULL,                     -- '' for the top call, '0.1' deeper
    call_type     text NOT NULL,                     -- call | delegatecall | staticcall | create
    from_addr     text NOT NULL,
    to_addr       text,
    value         numeric(78,0) NOT NULL DEFAULT 0,
    selector      text,
    function_name text,
    decoded_args  jsonb,
    output        bytea,
    error         text,
    PRIMARY KEY (chain_id, tx_hash, trace_address),
    FOREIGN KEY (chain_id, block_number) REFERENCES blocks(chain_id, number) ON DELETE CASCADE
);
CREATE INDEX calls_to_selector ON calls (chain_id, to_addr, selector, block_number);

-- Swaps as a first-class record, derived from logs or from traces.
CREATE TABLE swaps (
    chain_id      bigint NOT NULL,
    block_number  bigint NOT NULL,
    tx_hash       text NOT NULL,
    tx_index      integer NOT NULL,
    position      text NOT NULL,                     -- log index or trace address
    protocol      text NOT NULL,                     -- uniswap_v2 | uniswap_v3 | ...
    pool          text NOT NULL,
    tx_from       text NOT NULL,
    sender        text,
    recipient     text NOT NULL,
    token_in      text NOT NULL,
    token_out     text NOT NULL,
    amount_in     numeric(78,0) NOT NULL,
    amount_out    numeric(78,0) NOT NULL,
    source        text NOT NULL,                     -- log | trace
    error         text,
    PRIMARY KEY (chain_id, tx_hash, position),
    FOREIGN KEY (chain_id, block_number) REFERENCES blocks(chain_id, number) ON DELETE CASCADE
);
CREATE INDEX swaps_pool ON swaps (chain_id, pool, block_number);

CREATE TABLE pending_transactions (
    chain_id          bigint NOT NULL,
    hash              text NOT NULL,
    first_seen        timestamptz NOT NULL DEFAULT now(),
    from_addr         text,
    to_addr           text,
    nonce             bigint,
    value             numeric(78,0),
    selector          text,
    input             bytea,
    gas               bigint,
    gas_price         numeric(78,0),
    max_fee           numeric(78,0),
    max_priority_fee  numeric(78,0),
    included_block    bigint,                        -- set on inclusion (not an FK: survives reorgs)
    mempool_delay_ms  bigint,
    PRIMARY KEY (chain_id, hash)
);
CREATE INDEX pending_not_included ON pending_transactions (chain_id, first_seen)
    WHERE included_block IS NULL;

-- Entity graph: nodes.
CREATE TABLE entities (
    chain_id          bigint NOT NULL,
    address           text NOT NULL,
    kind              text NOT NULL DEFAULT 'unknown', -- eoa | contract | unknown
    first_seen_block  bigint,
    first_funder      text,
    first_funded_block bigint,
    labels            text[] NOT NULL DEFAULT '{}',
    updated_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (chain_id, address)
);
CREATE INDEX entities_funder ON entities (chain_id, first_funder);

-- Per-block edge contributions: what a reorg subtracts from the aggregate below.
CREATE TABLE edge_events (
    chain_id      bigint NOT NULL,
    block_number  bigint NOT NULL,
    tx_hash       text NOT NULL,
    position      text NOT NULL,
    src           text NOT NULL,
    dst           text NOT NULL,
    kind          text NOT NULL,   -- native | erc20 | approve | call | swap | delegate | vote | bridge_deposit | bridge_withdraw
    token         text NOT NULL DEFAULT '',          -- '' for native / not token-specific
    amount        numeric(78,0) NOT NULL DEFAULT 0,
    PRIMARY KEY (chain_id, tx_hash, position, kind),
    FOREIGN KEY (chain_id, block_number) REFERENCES blocks(chain_id, number) ON DELETE CASCADE
);
CREATE INDEX edge_events_src ON edge_events (chain_id, src, block_number);
CREATE INDEX edge_events_dst ON edge_events (chain_id, dst, block_number);

-- Entity graph: aggregated edges (one row per src, dst, kind, token).
CREATE TABLE edges (
    chain_id      bigint NOT NULL,
    src           text NOT NULL,
    dst           text NOT NULL,
    kind          text NOT NULL,
    token         text NOT NULL DEFAULT '',
    count         bigint NOT NULL DEFAULT 0,
    total         numeric(78,0) NOT NULL DEFAULT 0,
    first_block   bigint NOT NULL,
    last_block    bigint NOT NULL,
    PRIMARY KEY (chain_id, src, dst, kind, token)
);
CREATE INDEX edges_dst ON edges (chain_id, dst, kind);

-- Off-chain events pushed to the REST ingest (metadata only; identifiers pseudonymised).
CREATE TABLE offchain_events (
    tenant        text NOT NULL,
    event_id      text NOT NULL,
    kind          text NOT NULL,  -- api_request | login | withdrawal_request | api_key_use | address_added
    account_id    text,
    occurred_at   timestamptz NOT NULL,
    received_at   timestamptz NOT NULL DEFAULT now(),
    payload       jsonb NOT NULL,
    PRIMARY KEY (tenant, event_id)
);
CREATE INDEX offchain_events_account ON offchain_events (tenant, account_id, occurred_at);
CREATE INDEX offchain_events_kind_time ON offchain_events (tenant, kind, occurred_at);

-- Learned baselines (detector state), keyed by scope (contract/function, wallet, account).
CREATE TABLE baselines (
    detector      text NOT NULL,
    scope         text NOT NULL,
    state         jsonb NOT NULL,
    samples       bigint NOT NULL DEFAULT 0,
    updated_block bigint,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (detector, scope)
);

CREATE TABLE findings (
    id               bigserial PRIMARY KEY,
    chain_id         bigint,
    detector         text NOT NULL,
    detector_version text NOT NULL,
    kind             text NOT NULL,
    score            double precision NOT NULL CHECK (score >= 0 AND score <= 1),
    confidence_low   double precision NOT NULL,
    confidence_high  double precision NOT NULL,
    severity         text NOT NULL,
    entities         text[] NOT NULL DEFAULT '{}',
    tx_hashes        text[] NOT NULL DEFAULT '{}',
    block_from       bigint,
    block_to         bigint,
    reason_codes     text[] NOT NULL DEFAULT '{}',
    deltas           jsonb NOT NULL DEFAULT '[]',
    details          jsonb NOT NULL DEFAULT '{}',
    summary          text NOT NULL DEFAULT '',
    status           text NOT NULL DEFAULT 'open',  -- open | confirmed | retracted
    dedup_key        text NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (detector, dedup_key)
);
CREATE INDEX findings_blocks ON findings (chain_id, block_from, block_to);
CREATE INDEX findings_created ON findings (created_at);

CREATE TABLE incidents (
    id               bigserial PRIMARY KEY,
    correlation_key  text NOT NULL,
    status           text NOT NULL DEFAULT 'open',  -- open | closed | retracted
    risk_score       integer NOT NULL CHECK (risk_score BETWEEN 0 AND 1000),
    confidence_low   integer NOT NULL,
    confidence_high  integer NOT NULL,
    severity         text NOT NULL,
    action           text NOT NULL,
    reason_codes     text[] NOT NULL DEFAULT '{}',
    entities         text[] NOT NULL DEFAULT '{}',
    finding_ids      bigint[] NOT NULL DEFAULT '{}',
    summary          text NOT NULL DEFAULT '',
    details          jsonb NOT NULL DEFAULT '{}',
    opened_at        timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX incidents_key ON incidents (correlation_key, status);

-- Decisions (policy outcomes and synchronous scoring results).
CREATE TABLE decisions (
    id            bigserial PRIMARY KEY,
    subject       text NOT NULL,                  -- incident:<id> | withdrawal:<event id> | ...
    tenant        text,
    risk_score    integer NOT NULL CHECK (risk_score BETWEEN 0 AND 1000),
    action        text NOT NULL,
    reason_codes  text[] NOT NULL DEFAULT '{}',
    details       jsonb NOT NULL DEFAULT '{}',
    policy_hash   text,
    simulated     boolean NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX decisions_subject ON decisions (subject);

CREATE TABLE alerts (
    id              bigserial PRIMARY KEY,
    incident_id     bigint REFERENCES incidents(id),
    decision_id     bigint REFERENCES decisions(id),
    kind            text NOT NULL DEFAULT 'alert',  -- alert | update | retraction | drift
    severity        text NOT NULL,
    title           text NOT NULL,
    payload         jsonb NOT NULL,
    retracted       boolean NOT NULL DEFAULT false,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX alerts_created ON alerts (created_at);

-- Durable outbox: one row per (alert, channel).
CREATE TABLE alert_deliveries (
    id               bigserial PRIMARY KEY,
    alert_id         bigint NOT NULL REFERENCES alerts(id),
    channel          text NOT NULL,                 -- slack | webhook | console
    idempotency_key  text NOT NULL UNIQUE,
    status           text NOT NULL DEFAULT 'pending', -- pending | sent | failed | dead
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    last_error       text,
    delivered_at     timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX alert_deliveries_due ON alert_deliveries (next_attempt_at)
    WHERE status IN ('pending', 'failed');

-- Hash-chained audit log: sha256(prev_hash || canonical json) per row.
CREATE TABLE audit_log (
    seq         bigserial PRIMARY KEY,
    created_at  timestamptz NOT NULL DEFAULT now(),
    kind        text NOT NULL,
    subject     text NOT NULL,
    payload     jsonb NOT NULL,
    prev_hash   text NOT NULL,
    hash        text NOT NULL UNIQUE
);

CREATE TABLE api_keys (
    id          bigserial PRIMARY KEY,
    tenant      text NOT NULL,
    key_prefix  text NOT NULL UNIQUE,               -- shown to humans to tell keys apart
    key_hash    text NOT NULL,                      -- sha256 of the full key; the key is never stored
    scopes      text[] NOT NULL DEFAULT '{}',
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz
);

-- Analyst feedback on alerts, feeding per-detector calibration.
CREATE TABLE alert_feedback (
    id          bigserial PRIMARY KEY,
    alert_id    bigint NOT NULL REFERENCES alerts(id),
    verdict     text NOT NULL,                      -- true_positive | false_positive | benign_expected
    note        text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- Addresses with known labels (e.g. the Forta malicious-address lists).
CREATE TABLE address_labels (
    chain_id    bigint NOT NULL,
    address     text NOT NULL,
    label       text NOT NULL,
    source      text NOT NULL,
    PRIMARY KEY (chain_id, address, label)
);
