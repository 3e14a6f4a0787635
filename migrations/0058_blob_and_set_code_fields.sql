-- Blob (type 3) and set-code (type 4, EIP-7702) transaction fields (issue 18).
-- authorization_list: [{chain_id, address (the delegate), nonce, authority (recovered signer)}]
ALTER TABLE transactions
    ADD COLUMN blob_versioned_hashes text[],
    ADD COLUMN max_fee_per_blob_gas numeric(78,0),
    ADD COLUMN blob_gas_used bigint,
    ADD COLUMN blob_gas_price numeric(78,0),
    ADD COLUMN authorization_list jsonb;
