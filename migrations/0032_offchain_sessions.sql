-- Session analysis: events of one API session, and an account's recent logins.
CREATE INDEX offchain_events_session
    ON offchain_events (tenant, (payload->>'session_id'), occurred_at)
    WHERE payload ? 'session_id';
