-- An account's unanswered nonces (nc = 0), found by one hash lookup: each
-- challenge evicts the oldest past the cap of 32, whatever the number of
-- answered ones the account holds.
ALTER TABLE nonces ADD KEY nonces_unanswered_idx (account_id, nc);
