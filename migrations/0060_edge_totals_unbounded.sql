-- An aggregated edge's total is a sum of uint256 amounts: nine max-uint256 approvals of one
-- token to one spender (common on mainnet) already exceed numeric(78,0), and the whole
-- write failed with "numeric field overflow". Single amounts stay numeric(78,0).
ALTER TABLE edges ALTER COLUMN total TYPE numeric;
