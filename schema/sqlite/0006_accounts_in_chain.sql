-- Accounts over their life: leavers are disabled (never deleted: history names them), API
-- tokens carry a name and an expiry and can be revoked, delegations can be revoked before their
-- end. Every change to these tables is also an event in the hash chain (ref "actor:NAME"), so
-- `verify` finds an edit made around commsflow. The accounts that exist when this migration
-- runs are recorded in the chain by one `account_recorded` event each (store/account_baseline.cpp).
ALTER TABLE actors ADD COLUMN disabled_at TEXT;  -- NULL while the actor may sign in and act

ALTER TABLE api_tokens ADD COLUMN expires_at TEXT NOT NULL DEFAULT '';
ALTER TABLE api_tokens ADD COLUMN revoked_at TEXT;
-- Tokens made before tokens expired get the default lifetime, 90 days from their creation.
UPDATE api_tokens SET expires_at = strftime('%Y-%m-%dT%H:%M:%SZ', created_at, '+90 days');

ALTER TABLE delegations ADD COLUMN revoked_at TEXT;
