-- Part 5: remote provisioning. A space's app settings, as one JSON object
-- (domain/app_settings.rs: a key it lacks reads as its default).
ALTER TABLE spaces ADD COLUMN app_settings TEXT NOT NULL DEFAULT '{}';

-- Provisioning tokens: one current per account (a new one replaces it),
-- one use. Only the SHA-256 is kept; expires_at NULL never expires.
CREATE TABLE provisioning_tokens (
    id BIGSERIAL PRIMARY KEY,
    token_sha256 TEXT NOT NULL UNIQUE,
    account_id BIGINT NOT NULL UNIQUE REFERENCES accounts (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT,
    used_at BIGINT,
    client_address TEXT NOT NULL,
    user_agent TEXT NOT NULL
);

-- Auth tokens: made by a new device, attached by a logged-in one
-- (account_id), then used once for a document or an API key.
CREATE TABLE auth_tokens (
    id BIGSERIAL PRIMARY KEY,
    token_sha256 TEXT NOT NULL UNIQUE,
    account_id BIGINT REFERENCES accounts (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT,
    attached_at BIGINT,
    used_at BIGINT,
    client_address TEXT NOT NULL,
    user_agent TEXT NOT NULL
);
CREATE INDEX auth_tokens_account_idx ON auth_tokens (account_id);
CREATE INDEX auth_tokens_created_idx ON auth_tokens (created_at);
