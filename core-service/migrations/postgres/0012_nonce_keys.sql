-- The keys the core signs its Digest nonces with (rules/auth/signed_nonces):
-- every replica reads them, so any replica verifies any nonce without a
-- statement, and a challenge stores nothing. The first key is made by the
-- core at migrate and at start; `core-service nonce-keys rotate` adds the
-- next. The secret is 32 random bytes in hex.
CREATE TABLE nonce_keys (
    id INTEGER NOT NULL PRIMARY KEY,
    secret TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- The core's own nonces were rows until now; only a proxy's (prefixed '~')
-- are stored from here on. Clients holding an old nonce are challenged again.
DELETE FROM nonces WHERE nonce NOT LIKE '~%';
