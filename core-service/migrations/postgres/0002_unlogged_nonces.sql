-- Nonces are short-lived security state: losing them in a crash only makes
-- clients take a new challenge. An unlogged table writes no WAL, so a
-- transaction touching only nonces commits without waiting for a WAL flush
-- (the nc compare-and-set stays one atomic UPDATE, shared by all replicas).
-- Accounts and passwords stay fully durable.
ALTER TABLE nonces SET UNLOGGED;
