-- Issue 17: API-key fingerprints are scored as entities; their profile (accounts acted
-- for, networks) is read by fingerprint once per key.
CREATE INDEX offchain_events_key_fingerprint
    ON offchain_events (tenant, (payload->>'api_key_fingerprint'))
    WHERE payload ? 'api_key_fingerprint';
