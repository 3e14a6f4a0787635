-- Issue 17: analyst feedback records the tenant whose key gave it (feedback is only
-- accepted on that tenant's own alerts, or from the operator on on-chain ones).
ALTER TABLE alert_feedback ADD COLUMN tenant text;
