-- A named key may serve one use only: '' is the API; 'external-auth' is
-- Flexisip's delegated SIP checks (GET /api/flexisip/external-auth), a key
-- that sits in Flexisip's configuration and in URLs, so it must open nothing
-- else.
ALTER TABLE api_keys ADD COLUMN scope TEXT NOT NULL DEFAULT '';
