-- API keys join the account epoch (0001): the core keeps the keys it found
-- in memory like the accounts, so every change that may refuse a key moves
-- the epoch on, moving its last use back included (that may expire it).
-- Recording a use (last_used_at forward, at most once a minute per key)
-- does not, nor does a new key (nothing cached can be stale then);
-- replacing a user key (ON DUPLICATE KEY UPDATE) does. A key deleted with
-- its account (the foreign key's cascade fires no trigger here) needs none:
-- the account's deletion moves the epoch.
CREATE TRIGGER api_keys_epoch_update AFTER UPDATE ON api_keys
    FOR EACH ROW
BEGIN
    IF NEW.last_used_at < OLD.last_used_at
            OR NOT (OLD.account_id <=> NEW.account_id AND OLD.name <=> NEW.name
                    AND OLD.key_sha256 <=> NEW.key_sha256
                    AND OLD.idle_expiry_seconds <=> NEW.idle_expiry_seconds
                    AND OLD.created_at <=> NEW.created_at AND OLD.scope <=> NEW.scope) THEN
        UPDATE account_epoch SET epoch = epoch + 1;
    END IF;
END;

CREATE TRIGGER api_keys_epoch_delete AFTER DELETE ON api_keys
    FOR EACH ROW UPDATE account_epoch SET epoch = epoch + 1;
