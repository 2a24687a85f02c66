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
-- An admin's list: its domain, by id. The prefix search uses the
-- (username, domain) key and this one (BINARY collation: byte ranges).
CREATE INDEX accounts_domain_id_idx ON accounts (domain, id);
CREATE INDEX accounts_email_idx ON accounts (email);

-- One configuration per SIP domain. accounts_count is kept by the triggers
-- below, so a list's total is one row read at any number of accounts.
CREATE TABLE spaces (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
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
-- New accounts get their domain's space (and count) from these triggers; at
-- start the core creates the space of --sip-domain, super, if missing
-- (store/sql/spaces.rs).
CREATE TRIGGER accounts_count_insert AFTER INSERT ON accounts
BEGIN
    INSERT OR IGNORE INTO spaces (domain, name, realm, created_at, updated_at)
        VALUES (NEW.domain, NEW.domain, NEW.domain, NEW.created_at, NEW.created_at);
    UPDATE spaces SET accounts_count = accounts_count + 1 WHERE domain = NEW.domain;
END;
CREATE TRIGGER accounts_count_delete AFTER DELETE ON accounts
BEGIN
    UPDATE spaces SET accounts_count = accounts_count - 1 WHERE domain = OLD.domain;
END;

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
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    key_sha256 TEXT NOT NULL UNIQUE,
    idle_expiry_seconds BIGINT,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT NOT NULL,
    CONSTRAINT api_keys_account_id_name_key UNIQUE (account_id, name)
);
