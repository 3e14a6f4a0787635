-- Chain leases (issue 21): one replica follows each chain; the others stand by.
-- The advisory lock (held on a dedicated connection) decides who owns a chain; these rows
-- make it visible and fence writes: every block write reads its chain's epoch FOR SHARE,
-- and a takeover increments it, so a replica that lost its lock cannot write any more.
CREATE TABLE chain_leases (
    chain_id     bigint PRIMARY KEY,
    epoch        bigint NOT NULL DEFAULT 1,       -- +1 at every takeover: the fencing token
    owner        text NOT NULL,                   -- replica id of the current owner
    acquired_at  timestamptz NOT NULL DEFAULT now()
);

-- One row per replica and chain, heartbeat every few seconds; written by owner and standbys
-- alike (kept apart from chain_leases so a heartbeat never waits on a write's FOR SHARE).
CREATE TABLE chain_replicas (
    chain_id      bigint NOT NULL,
    replica       text NOT NULL,
    role          text NOT NULL CHECK (role IN ('owner', 'standby')),
    host          text NOT NULL,
    pid           integer NOT NULL,
    started_at    timestamptz NOT NULL DEFAULT now(),
    heartbeat_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (chain_id, replica)
);
