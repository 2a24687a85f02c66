-- Part 4: Linphone app onboarding. An account's phone (E.164), unique in its
-- domain when set; pending accounts (made with a creation token, not yet
-- validated by a code); tokens and codes, of which only the SHA-256 is kept.
ALTER TABLE accounts ADD COLUMN phone VARCHAR(32) NULL,
    ADD COLUMN pending BOOLEAN NOT NULL DEFAULT FALSE,
    ADD UNIQUE KEY accounts_domain_phone_key (domain, phone),
    ADD KEY accounts_phone_idx (phone);

-- kind: 'request', 'creation' or 'recovery'. A token serves once (used_at);
-- expires_at NULL never expires. device is the SHA-256 of the push target
-- (provider, param, prid) of a pushed token: the per-device limits read it.
CREATE TABLE onboarding_tokens (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    kind VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    token_sha256 CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NULL,
    validated_at BIGINT NULL,
    used_at BIGINT NULL,
    account_id BIGINT NULL,
    device CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NULL,
    client_address VARCHAR(64) NOT NULL,
    user_agent VARCHAR(255) NOT NULL,
    KEY onboarding_tokens_device_idx (device, kind, created_at),
    CONSTRAINT onboarding_tokens_account_fk FOREIGN KEY (account_id)
        REFERENCES accounts (id) ON DELETE SET NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- kind: 'email', 'phone' or 'recovery'. Only an account's newest code of a
-- kind is compared; it is pending while sent, unused and under 3 tries.
-- code_sha256 is SHA-256(salt:code). A recovery row carries the hash of the
-- opaque id its form holds, and no account when none matched.
CREATE TABLE onboarding_codes (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    kind VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    account_id BIGINT NULL,
    recovery_sha256 CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NULL UNIQUE,
    destination VARCHAR(255) NOT NULL,
    salt CHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    code_sha256 CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NULL,
    sent_at BIGINT NULL,
    used_at BIGINT NULL,
    tries INTEGER NOT NULL DEFAULT 0,
    client_address VARCHAR(64) NOT NULL,
    user_agent VARCHAR(255) NOT NULL,
    KEY onboarding_codes_account_idx (account_id, kind, id),
    KEY onboarding_codes_destination_idx (destination, created_at),
    CONSTRAINT onboarding_codes_account_fk FOREIGN KEY (account_id)
        REFERENCES accounts (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- The public onboarding requests of each client address, for the hourly
-- limit; rows older than an hour are deleted as new ones come.
CREATE TABLE onboarding_requests (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    client_address VARCHAR(64) NOT NULL,
    created_at BIGINT NOT NULL,
    KEY onboarding_requests_client_idx (client_address, created_at),
    KEY onboarding_requests_created_idx (created_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
