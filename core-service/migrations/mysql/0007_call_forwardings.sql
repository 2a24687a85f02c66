-- Part 6: call forwardings. One of each type per account; a forwarding to
-- a contact goes with that contact account, and with its own account.
CREATE TABLE call_forwardings (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    account_id BIGINT NOT NULL,
    type VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    forward_to VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    sip_uri VARCHAR(255) NULL,
    contact_id BIGINT NULL,
    enabled BOOLEAN NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE KEY call_forwardings_account_type_key (account_id, type),
    KEY call_forwardings_contact_idx (contact_id),
    CONSTRAINT call_forwardings_account_fk FOREIGN KEY (account_id)
        REFERENCES accounts (id) ON DELETE CASCADE,
    CONSTRAINT call_forwardings_contact_fk FOREIGN KEY (contact_id)
        REFERENCES accounts (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
