-- One counter that every change to accounts or passwords moves on, whoever
-- makes it (this service, Flexisip's tools, an operator's SQL). The core
-- keeps active accounts in memory, each tagged with the epoch it was read
-- at, and its nonce statements only pass while the epoch is unchanged, so a
-- stale copy can never let anyone in. A new account alone does not move it
-- (nothing cached can be stale then); its first password does.
CREATE TABLE account_epoch (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    epoch BIGINT NOT NULL
);
INSERT INTO account_epoch (id, epoch) VALUES (1, 1);

CREATE FUNCTION bump_account_epoch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE account_epoch SET epoch = epoch + 1;
    RETURN NULL;
END;
$$;

CREATE TRIGGER accounts_epoch AFTER UPDATE OR DELETE OR TRUNCATE ON accounts
    FOR EACH STATEMENT EXECUTE FUNCTION bump_account_epoch();
CREATE TRIGGER passwords_epoch AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON passwords
    FOR EACH STATEMENT EXECUTE FUNCTION bump_account_epoch();
