-- Duban schema 0028 (issue 17): what `audit verify` must not miss, and keys that cannot drift apart.
-- states_recorded: set once the accounts' and units' states have been recorded in the chain (the
-- first start after this script writes one states_recorded event with every row's state hash; from
-- then on every audited change records the state of the accounts and units it touched).
-- seal_key_check, auth_key_check: HMACs of a fixed text with the seal and auth keys, as key_check is
-- for the audit key: a node whose keys do not match refuses to start (Features/Sealing, KeyChecks).
ALTER TABLE audit_head ADD COLUMN states_recorded boolean NOT NULL DEFAULT FALSE;
ALTER TABLE audit_head ADD COLUMN seal_key_check text NULL;
ALTER TABLE audit_head ADD COLUMN auth_key_check text NULL;
