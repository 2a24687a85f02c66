-- Part 5: remote provisioning. A space's app settings, as one JSON object
-- (domain/app_settings.rs: a key it lacks reads as its default).
ALTER TABLE spaces ADD COLUMN app_settings MEDIUMTEXT NOT NULL DEFAULT ('{}');

-- Provisioning tokens: one current per account (a new one replaces it),
-- one use. Only the SHA-256 is kept; expires_at NULL never expires.
CREATE TABLE provisioning_tokens (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    token_sha256 CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL UNIQUE,
    account_id BIGINT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NULL,
    used_at BIGINT NULL,
    client_address VARCHAR(64) NOT NULL,
    user_agent VARCHAR(255) NOT NULL,
    CONSTRAINT provisioning_tokens_account_fk FOREIGN KEY (account_id)
        REFERENCES accounts (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- Auth tokens: made by a new device, attached by a logged-in one
-- (account_id), then used once for a document or an API key.
CREATE TABLE auth_tokens (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    token_sha256 CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL UNIQUE,
    account_id BIGINT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NULL,
    attached_at BIGINT NULL,
    used_at BIGINT NULL,
    client_address VARCHAR(64) NOT NULL,
    user_agent VARCHAR(255) NOT NULL,
    KEY auth_tokens_created_idx (created_at),
    CONSTRAINT auth_tokens_account_fk FOREIGN KEY (account_id)
        REFERENCES accounts (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
