-- API keys join the account epoch (0003): the core keeps the keys it found
-- in memory like the accounts, so every change that may refuse a key moves
-- the epoch on, moving its last use back included (that may expire it).
-- Recording a use (last_used_at forward, at most once a minute per key)
-- does not, nor does a new key (nothing cached can be stale then).
CREATE TRIGGER api_keys_update_epoch
    AFTER UPDATE OF account_id, name, key_sha256, idle_expiry_seconds, created_at, scope
    ON api_keys
BEGIN UPDATE account_epoch SET epoch = epoch + 1; END;
CREATE TRIGGER api_keys_use_back_epoch AFTER UPDATE OF last_used_at ON api_keys
    WHEN NEW.last_used_at < OLD.last_used_at
BEGIN UPDATE account_epoch SET epoch = epoch + 1; END;
CREATE TRIGGER api_keys_delete_epoch AFTER DELETE ON api_keys
BEGIN UPDATE account_epoch SET epoch = epoch + 1; END;
