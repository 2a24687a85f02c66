-- Part 6: voicemails. A row is a slot until its file is uploaded (name,
-- size, uploaded_at set); the file lives under --files-dir, named by uuid
-- and the random part of name. seq orders them, newest first.
CREATE TABLE voicemails (
    seq BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    uuid CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    account_id BIGINT NOT NULL,
    sip_from VARCHAR(255) NULL,
    content_type VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    name VARCHAR(300) NULL,
    size BIGINT NULL,
    uploaded_at BIGINT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE KEY voicemails_uuid_key (uuid),
    KEY voicemails_account_idx (account_id),
    CONSTRAINT voicemails_account_fk FOREIGN KEY (account_id)
        REFERENCES accounts (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
