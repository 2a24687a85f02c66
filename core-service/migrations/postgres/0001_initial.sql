-- Accounts and passwords keep the names Flexisip's default soci-password-request
-- reads; times are Unix seconds.
CREATE TABLE accounts (
    id BIGSERIAL PRIMARY KEY,
    username TEXT NOT NULL,
    domain TEXT NOT NULL,
    activated BOOLEAN NOT NULL DEFAULT TRUE,
    admin BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CONSTRAINT accounts_username_domain_key UNIQUE (username, domain)
);

CREATE TABLE passwords (
    id BIGSERIAL PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    password TEXT NOT NULL,
    algorithm TEXT NOT NULL CHECK (algorithm IN ('MD5', 'SHA-256')),
    CONSTRAINT passwords_account_id_algorithm_key UNIQUE (account_id, algorithm)
);

CREATE TABLE nonces (
    nonce TEXT PRIMARY KEY NOT NULL,
    opaque TEXT NOT NULL,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    nc BIGINT NOT NULL DEFAULT 0,
    expires_at BIGINT NOT NULL
);
CREATE INDEX nonces_expires_at_idx ON nonces (expires_at);
CREATE INDEX nonces_account_id_idx ON nonces (account_id);

CREATE TABLE devices (
    id BIGSERIAL PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    uuid TEXT NOT NULL,
    contact TEXT NOT NULL,
    user_agent TEXT NOT NULL DEFAULT '',
    expires_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CONSTRAINT devices_account_id_uuid_key UNIQUE (account_id, uuid)
);
CREATE INDEX devices_expires_at_idx ON devices (expires_at);
