-- The web panel's sessions (contract panel.md "Sessions", rules/sessions): the
-- browser holds a random token, only its SHA-256 is kept here, so a database
-- dump opens no session. The CSRF token is kept as is: it is worthless
-- without the cookie, and every page needs it. A session ends when idle or
-- old (judged at each use, purged later), at logout, and with its account
-- (deleted here by cascade; ended by the core when the account is blocked or
-- deactivated, or its password changes).
CREATE TABLE panel_sessions (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    account_id BIGINT NOT NULL,
    token_sha256 CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL UNIQUE,
    csrf_token CHAR(43) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    user_agent VARCHAR(255) NOT NULL,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT NOT NULL,
    -- Its account was blocked while it was open: it ended then, and its next
    -- use answers "Account blocked" once.
    blocked BOOLEAN NOT NULL DEFAULT FALSE,
    KEY panel_sessions_account_id_idx (account_id),
    CONSTRAINT panel_sessions_account_fk FOREIGN KEY (account_id)
        REFERENCES accounts (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
