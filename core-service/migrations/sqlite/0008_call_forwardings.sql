-- Part 6: call forwardings. One of each type per account; a forwarding to
-- a contact goes with that contact account, and with its own account.
CREATE TABLE call_forwardings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    type TEXT NOT NULL,
    forward_to TEXT NOT NULL,
    sip_uri TEXT,
    contact_id BIGINT REFERENCES accounts (id) ON DELETE CASCADE,
    enabled BOOLEAN NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX call_forwardings_account_type_key ON call_forwardings (account_id, type);
CREATE INDEX call_forwardings_contact_idx ON call_forwardings (contact_id);
