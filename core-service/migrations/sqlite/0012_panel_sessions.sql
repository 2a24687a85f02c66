-- The web panel's sessions (contract panel.md "Sessions", rules/sessions): the
-- browser holds a random token, only its SHA-256 is kept here, so a database
-- dump opens no session. The CSRF token is kept as is: it is worthless
-- without the cookie, and every page needs it. A session ends when idle or
-- old (judged at each use, purged later), at logout, and with its account
-- (deleted here by cascade; ended by the core when the account is blocked or
-- deactivated, or its password changes).
CREATE TABLE panel_sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    token_sha256 TEXT NOT NULL UNIQUE,
    csrf_token TEXT NOT NULL,
    user_agent TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT NOT NULL,
    -- Its account was blocked while it was open: it ended then, and its next
    -- use answers "Account blocked" once.
    blocked BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX panel_sessions_account_id_idx ON panel_sessions (account_id);
