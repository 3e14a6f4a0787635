-- Off-chain ingest and withdrawal scoring (issue 7).

-- Signatures already accepted: a replayed signed request is refused while its
-- timestamp is still inside the tolerance window (older ones fail the timestamp check).
CREATE TABLE api_signature_nonces (
    signature   text PRIMARY KEY,
    seen_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX api_signature_nonces_seen ON api_signature_nonces (seen_at);

-- Withdrawal requests by destination: convergence looks up who else sent to an address.
CREATE INDEX offchain_events_destination
    ON offchain_events (tenant, (payload->>'destination'), occurred_at)
    WHERE kind = 'withdrawal_request';

-- Decisions of one incident, for the incident summary.
CREATE INDEX decisions_incident ON decisions (((details->>'incident_id')::bigint))
    WHERE details ? 'incident_id';
