-- Part 4: Linphone app onboarding. An account's phone (E.164), unique in its
-- domain when set; pending accounts (made with a creation token, not yet
-- validated by a code); tokens and codes, of which only the SHA-256 is kept.
ALTER TABLE accounts ADD COLUMN phone TEXT;
ALTER TABLE accounts ADD COLUMN pending BOOLEAN NOT NULL DEFAULT FALSE;
CREATE UNIQUE INDEX accounts_domain_phone_key ON accounts (domain, phone);
-- The prefix search compares bytes (COLLATE "C").
CREATE INDEX accounts_phone_c_idx ON accounts ((phone COLLATE "C"));

-- kind: 'request', 'creation' or 'recovery'. A token serves once (used_at);
-- expires_at NULL never expires. device is the SHA-256 of the push target
-- (provider, param, prid) of a pushed token: the per-device limits read it.
CREATE TABLE onboarding_tokens (
    id BIGSERIAL PRIMARY KEY,
    kind TEXT NOT NULL,
    token_sha256 TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT,
    validated_at BIGINT,
    used_at BIGINT,
    account_id BIGINT REFERENCES accounts (id) ON DELETE SET NULL,
    device TEXT,
    client_address TEXT NOT NULL,
    user_agent TEXT NOT NULL
);
CREATE INDEX onboarding_tokens_device_idx ON onboarding_tokens (device, kind, created_at);

-- kind: 'email', 'phone' or 'recovery'. Only an account's newest code of a
-- kind is compared; it is pending while sent, unused and under 3 tries.
-- code_sha256 is SHA-256(salt:code). A recovery row carries the hash of the
-- opaque id its form holds, and no account when none matched.
CREATE TABLE onboarding_codes (
    id BIGSERIAL PRIMARY KEY,
    kind TEXT NOT NULL,
    account_id BIGINT REFERENCES accounts (id) ON DELETE CASCADE,
    recovery_sha256 TEXT UNIQUE,
    destination TEXT NOT NULL,
    salt TEXT NOT NULL,
    code_sha256 TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT,
    sent_at BIGINT,
    used_at BIGINT,
    tries INTEGER NOT NULL DEFAULT 0,
    client_address TEXT NOT NULL,
    user_agent TEXT NOT NULL
);
CREATE INDEX onboarding_codes_account_idx ON onboarding_codes (account_id, kind, id);
CREATE INDEX onboarding_codes_destination_idx ON onboarding_codes (destination, created_at);

-- The public onboarding requests of each client address, for the hourly
-- limit; rows older than an hour are deleted as new ones come.
CREATE TABLE onboarding_requests (
    client_address TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX onboarding_requests_client_idx ON onboarding_requests (client_address, created_at);
CREATE INDEX onboarding_requests_created_idx ON onboarding_requests (created_at);
