-- MariaDB (>= 10.6) and MySQL (>= 8): the tables, rules and triggers that
-- migrations 0001-0004 give SQLite and PostgreSQL, in one step (no MariaDB
-- database of an older version exists). Flexisip's default
-- soci-password-request reads accounts and passwords unchanged.
--
-- Every string column has the utf8mb4_bin collation: comparisons and unique
-- keys go byte by byte, as on SQLite and PostgreSQL, so user parts stay
-- case-sensitive (MariaDB's default collations fold case). Times are Unix
-- seconds. Ids are signed BIGINTs, as sqlx reads an i64.

CREATE TABLE accounts (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    username VARCHAR(255) NOT NULL,
    domain VARCHAR(255) NOT NULL,
    activated BOOLEAN NOT NULL DEFAULT TRUE,
    admin BOOLEAN NOT NULL DEFAULT FALSE,
    -- Blocked accounts keep SIP (Flexisip checks activated only) but lose the API.
    blocked BOOLEAN NOT NULL DEFAULT FALSE,
    email VARCHAR(255) NULL,
    display_name VARCHAR(255) NULL,
    -- A JSON object of strings.
    dictionary MEDIUMTEXT NOT NULL DEFAULT ('{}'),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE KEY accounts_username_domain_key (username, domain),
    -- NULL emails do not collide: an email is unique in its domain when set.
    UNIQUE KEY accounts_domain_email_key (domain, email),
    -- An admin's list: its domain, by id.
    KEY accounts_domain_id_idx (domain, id),
    -- The prefix search is a byte range of these (the collation is binary).
    KEY accounts_email_idx (email)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE passwords (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    account_id BIGINT NOT NULL,
    password VARCHAR(255) NOT NULL,
    algorithm VARCHAR(16) NOT NULL CHECK (algorithm IN ('MD5', 'SHA-256')),
    UNIQUE KEY passwords_account_id_algorithm_key (account_id, algorithm),
    CONSTRAINT passwords_account_fk FOREIGN KEY (account_id)
        REFERENCES accounts (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- Nonces are short-lived security state, kept in memory: no statement on
-- them waits for a disk flush (BENCHMARKS.md), and a server restart only
-- makes clients take a new challenge. MEMORY tables have no foreign keys:
-- the core deletes an account's nonces itself. The core sizes the table at
-- start (max_heap_table_size), since a restart rebuilds it with the
-- server's default of 16 MiB.
CREATE TABLE nonces (
    nonce VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
    opaque VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    account_id BIGINT NOT NULL,
    nc BIGINT NOT NULL DEFAULT 0,
    expires_at BIGINT NOT NULL,
    KEY nonces_account_id_idx (account_id),
    KEY nonces_expires_at_idx (expires_at) USING BTREE
) ENGINE = MEMORY;

CREATE TABLE devices (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    account_id BIGINT NOT NULL,
    uuid VARCHAR(255) NOT NULL,
    contact VARCHAR(2048) NOT NULL,
    user_agent VARCHAR(512) NOT NULL DEFAULT '',
    expires_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE KEY devices_account_id_uuid_key (account_id, uuid),
    KEY devices_expires_at_idx (expires_at),
    CONSTRAINT devices_account_fk FOREIGN KEY (account_id)
        REFERENCES accounts (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- One configuration per SIP domain; accounts_count is kept by the triggers
-- below, so a list's total is one row read at any number of accounts.
CREATE TABLE spaces (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    domain VARCHAR(255) NOT NULL UNIQUE,
    name VARCHAR(255) NOT NULL,
    realm VARCHAR(255) NOT NULL,
    -- NULL: not decided yet (kept for parity with the other backends,
    -- whose migration backfilled spaces); the core decides at start.
    super BOOLEAN NULL DEFAULT FALSE,
    max_accounts BIGINT NOT NULL DEFAULT 0,
    default_password_algorithm VARCHAR(16) NOT NULL DEFAULT 'SHA-256',
    accounts_count BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- A deleted account's address can never be taken again in its domain: it is
-- an identity others keep in their contacts.
CREATE TABLE deleted_accounts (
    username VARCHAR(255) NOT NULL,
    domain VARCHAR(255) NOT NULL,
    deleted_at BIGINT NOT NULL,
    PRIMARY KEY (username, domain)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- Only the SHA-256 of a key is stored: a dump of this table opens nothing.
-- name '' is the account's user key (one at most).
CREATE TABLE api_keys (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    account_id BIGINT NOT NULL,
    name VARCHAR(64) NOT NULL,
    key_sha256 CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL UNIQUE,
    idle_expiry_seconds BIGINT NULL,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT NOT NULL,
    UNIQUE KEY api_keys_account_id_name_key (account_id, name),
    CONSTRAINT api_keys_account_fk FOREIGN KEY (account_id)
        REFERENCES accounts (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- One counter that every change to accounts or passwords moves on, whoever
-- makes it (this service, Flexisip's tools, an operator's SQL). The core
-- keeps active accounts in memory, each tagged with the epoch it was read
-- at, and its nonce statements only pass while the epoch is unchanged, so a
-- stale copy can never let anyone in. A new account alone does not move it
-- (nothing cached can be stale then); its first password does.
-- MySQL triggers run once per row (PostgreSQL's once per statement), and
-- not for rows a foreign key cascade deletes: an account's DELETE moves the
-- epoch itself. TRUNCATE fires no trigger: restart the cores after one.
CREATE TABLE account_epoch (
    id INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    epoch BIGINT NOT NULL
) ENGINE = InnoDB;
INSERT INTO account_epoch (id, epoch) VALUES (1, 1);

CREATE TRIGGER accounts_epoch_update AFTER UPDATE ON accounts
    FOR EACH ROW UPDATE account_epoch SET epoch = epoch + 1;
CREATE TRIGGER passwords_epoch_insert AFTER INSERT ON passwords
    FOR EACH ROW UPDATE account_epoch SET epoch = epoch + 1;
CREATE TRIGGER passwords_epoch_update AFTER UPDATE ON passwords
    FOR EACH ROW UPDATE account_epoch SET epoch = epoch + 1;
CREATE TRIGGER passwords_epoch_delete AFTER DELETE ON passwords
    FOR EACH ROW UPDATE account_epoch SET epoch = epoch + 1;

-- A new domain gets its space (realm = domain), and every space counts its
-- accounts.
CREATE TRIGGER accounts_count_insert AFTER INSERT ON accounts
    FOR EACH ROW
BEGIN
    INSERT INTO spaces (domain, name, realm, created_at, updated_at)
        VALUES (NEW.domain, NEW.domain, NEW.domain, NEW.created_at, NEW.created_at)
        ON DUPLICATE KEY UPDATE domain = domain;
    UPDATE spaces SET accounts_count = accounts_count + 1 WHERE domain = NEW.domain;
END;

CREATE TRIGGER accounts_count_delete AFTER DELETE ON accounts
    FOR EACH ROW
BEGIN
    UPDATE spaces SET accounts_count = accounts_count - 1 WHERE domain = OLD.domain;
    UPDATE account_epoch SET epoch = epoch + 1;
END;
