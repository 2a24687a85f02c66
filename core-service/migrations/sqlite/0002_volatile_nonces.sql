-- Nonces are short-lived security state: losing them in a crash only makes
-- clients take a new challenge. They now live in the attached database
-- `volatile` (the file <database>-nonces, created by every connection, see
-- store/sql.rs), which is written without a flush per commit, so checking a
-- Digest answer no longer waits for the disk while accounts and passwords
-- keep synchronous=FULL.
DROP TABLE main.nonces;
