-- Part 6: voicemails. A row is a slot until its file is uploaded (name,
-- size, uploaded_at set); the file lives under --files-dir, named by uuid
-- and the random part of name. seq orders them, newest first.
CREATE TABLE voicemails (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid TEXT NOT NULL UNIQUE,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    sip_from TEXT,
    content_type TEXT NOT NULL,
    name TEXT,
    size BIGINT,
    uploaded_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX voicemails_account_idx ON voicemails (account_id);
