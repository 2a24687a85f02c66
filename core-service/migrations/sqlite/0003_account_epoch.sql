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

CREATE TRIGGER accounts_update_epoch AFTER UPDATE ON accounts
BEGIN UPDATE account_epoch SET epoch = epoch + 1; END;
CREATE TRIGGER accounts_delete_epoch AFTER DELETE ON accounts
BEGIN UPDATE account_epoch SET epoch = epoch + 1; END;
CREATE TRIGGER passwords_insert_epoch AFTER INSERT ON passwords
BEGIN UPDATE account_epoch SET epoch = epoch + 1; END;
CREATE TRIGGER passwords_update_epoch AFTER UPDATE ON passwords
BEGIN UPDATE account_epoch SET epoch = epoch + 1; END;
CREATE TRIGGER passwords_delete_epoch AFTER DELETE ON passwords
BEGIN UPDATE account_epoch SET epoch = epoch + 1; END;
