-- An account's unanswered nonces, newest first: each challenge counts them
-- and, past the cap of 32, evicts the oldest. Partial, so an account with a
-- great many answered nonces (a client taking a fresh challenge for every
-- request) costs the count no more than one with none.
CREATE INDEX nonces_unanswered_idx ON nonces (account_id, expires_at) WHERE nc = 0;
