-- Scoring replicas (issue 21): each tenant is scored by one `serve` process, the one holding
-- the tenant's advisory lock; the others forward that tenant's requests to it. This row
-- says where the owner answers (its advertised URL) and counts takeovers.
CREATE TABLE tenant_owners (
    tenant       text PRIMARY KEY,
    owner        text NOT NULL,
    url          text NOT NULL,
    epoch        bigint NOT NULL DEFAULT 1,
    acquired_at  timestamptz NOT NULL DEFAULT now()
);
