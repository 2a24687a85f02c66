-- Part 2: the account object's new fields, spaces, remembered usernames and
-- API keys. Flexisip's query reads only accounts.id/username/domain/activated
-- and passwords, so it runs unchanged.
ALTER TABLE accounts ADD COLUMN email TEXT;
ALTER TABLE accounts ADD COLUMN display_name TEXT;
-- A JSON object of strings.
ALTER TABLE accounts ADD COLUMN dictionary TEXT NOT NULL DEFAULT '{}';
-- Blocked accounts keep SIP (Flexisip checks activated only) but lose the API.
ALTER TABLE accounts ADD COLUMN blocked BOOLEAN NOT NULL DEFAULT FALSE;
-- NULL emails do not collide: an email is unique in its domain when set.
CREATE UNIQUE INDEX accounts_domain_email_key ON accounts (domain, email);
-- An admin's list: its domain, by id.
CREATE INDEX accounts_domain_id_idx ON accounts (domain, id);
-- The prefix search compares bytes (COLLATE "C"), whatever the database's
-- collation, so a prefix is a range of these indexes.
CREATE INDEX accounts_username_c_idx ON accounts ((username COLLATE "C"));
CREATE INDEX accounts_email_c_idx ON accounts ((email COLLATE "C"));

-- One configuration per SIP domain. accounts_count is kept by the triggers
-- below, so a list's total is one row read at any number of accounts.
CREATE TABLE spaces (
    id BIGSERIAL PRIMARY KEY,
    domain TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    realm TEXT NOT NULL,
    -- NULL: not decided yet (a space backfilled below); the core decides
    -- at start: the space of --sip-domain is super, the others are not.
    super BOOLEAN DEFAULT FALSE,
    max_accounts BIGINT NOT NULL DEFAULT 0,
    default_password_algorithm TEXT NOT NULL DEFAULT 'SHA-256',
    accounts_count BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
-- The spaces of the domains already in use, with their counts, once.
INSERT INTO spaces (domain, name, realm, super, accounts_count, created_at, updated_at)
    SELECT domain, domain, domain, NULL, COUNT(*), MIN(created_at), MIN(created_at)
    FROM accounts GROUP BY domain;

-- Once per statement, from its transition table: a bulk insert of a million
-- accounts updates each space's row once, not a million times.
CREATE FUNCTION count_inserted_accounts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO spaces (domain, name, realm, created_at, updated_at)
        SELECT domain, domain, domain, MIN(created_at), MIN(created_at)
        FROM inserted GROUP BY domain
        ON CONFLICT (domain) DO NOTHING;
    UPDATE spaces SET accounts_count = spaces.accounts_count + counted.n
        FROM (SELECT domain, COUNT(*) AS n FROM inserted GROUP BY domain) counted
        WHERE spaces.domain = counted.domain;
    RETURN NULL;
END;
$$;
CREATE FUNCTION count_deleted_accounts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE spaces SET accounts_count = spaces.accounts_count - counted.n
        FROM (SELECT domain, COUNT(*) AS n FROM deleted GROUP BY domain) counted
        WHERE spaces.domain = counted.domain;
    RETURN NULL;
END;
$$;
CREATE TRIGGER accounts_count_insert AFTER INSERT ON accounts
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION count_inserted_accounts();
CREATE TRIGGER accounts_count_delete AFTER DELETE ON accounts
    REFERENCING OLD TABLE AS deleted
    FOR EACH STATEMENT EXECUTE FUNCTION count_deleted_accounts();

-- A deleted account's address can never be taken again in its domain: it is
-- an identity others keep in their contacts.
CREATE TABLE deleted_accounts (
    username TEXT NOT NULL,
    domain TEXT NOT NULL,
    deleted_at BIGINT NOT NULL,
    PRIMARY KEY (username, domain)
);

-- Only the SHA-256 of a key is stored: a dump of this table opens nothing.
-- name '' is the account's user key (one at most).
CREATE TABLE api_keys (
    id BIGSERIAL PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    key_sha256 TEXT NOT NULL UNIQUE,
    idle_expiry_seconds BIGINT,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT NOT NULL,
    CONSTRAINT api_keys_account_id_name_key UNIQUE (account_id, name)
);
CREATE INDEX api_keys_account_id_idx ON api_keys (account_id);
