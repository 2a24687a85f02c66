-- API keys join the account epoch (0003): the core keeps the keys it found
-- in memory like the accounts, so every change that may refuse a key moves
-- the epoch on, moving its last use back included (that may expire it).
-- Recording a use (last_used_at forward, at most once a minute per key)
-- does not, nor does a new key (nothing cached can be stale then);
-- replacing a user key (INSERT ... ON CONFLICT DO UPDATE) does.
CREATE TRIGGER api_keys_epoch AFTER DELETE OR TRUNCATE ON api_keys
    FOR EACH STATEMENT EXECUTE FUNCTION bump_account_epoch();
CREATE TRIGGER api_keys_epoch_update
    AFTER UPDATE OF account_id, name, key_sha256, idle_expiry_seconds, created_at, scope
    ON api_keys
    FOR EACH STATEMENT EXECUTE FUNCTION bump_account_epoch();
CREATE TRIGGER api_keys_epoch_use_back AFTER UPDATE OF last_used_at ON api_keys
    FOR EACH ROW WHEN (NEW.last_used_at < OLD.last_used_at)
    EXECUTE FUNCTION bump_account_epoch();
