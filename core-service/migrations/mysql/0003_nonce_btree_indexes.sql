-- A HASH index of a MEMORY table keeps equal keys in one chain, and
-- deleting a row walks its chain: with many nonces of one account (a busy
-- one, or the answered nonces of a stream of fresh challenges) the purge
-- of 77,000 of them took 9.0 s under the table's lock, which stalls every
-- Digest check of every replica; with B-trees, 0.12 s.
--
-- Nonces are disposable (a client whose nonce is gone takes a new
-- challenge), so the table is emptied first: rebuilding a full one in a
-- session with the default max_heap_table_size would overflow. The core
-- sizes the table again when it starts.
TRUNCATE TABLE nonces;
ALTER TABLE nonces
    DROP KEY nonces_account_id_idx,
    DROP KEY nonces_unanswered_idx,
    ADD KEY nonces_account_id_idx (account_id) USING BTREE,
    ADD KEY nonces_unanswered_idx (account_id, nc) USING BTREE;
