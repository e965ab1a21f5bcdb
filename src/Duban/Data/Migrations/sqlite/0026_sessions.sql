-- Duban schema 0026 (SQLite): sessions that end (Features/Auth; issue 17).
-- The security stamp: every token and cookie carries the account's stamp, and a request whose token
-- carries another is refused. Logout, a password reset, a deactivation or reactivation and a change of
-- roles or unit give the account a new one. Existing accounts get a random stamp (their old tokens,
-- which carry none, are refused: everyone signs in again once).
ALTER TABLE users ADD COLUMN security_stamp TEXT NOT NULL DEFAULT '';
UPDATE users SET security_stamp = lower(hex(randomblob(16)));

-- Two factors (TOTP, RFC 6238): the enrolled and the pending secret (sealed), the last accepted time step
-- (a code is accepted once), and the unused recovery codes' hashes.
ALTER TABLE users ADD COLUMN totp_secret TEXT;
ALTER TABLE users ADD COLUMN totp_pending TEXT;
ALTER TABLE users ADD COLUMN totp_step INTEGER;
ALTER TABLE users ADD COLUMN recovery_codes TEXT;
-- The roles whose accounts must sign in with a second factor, set by administrators. By default every
-- role: each can open the sealed identity of a matter it sees (MatterScope.MaySeeRaiserAsync), and admin
-- administers. On a database that holds the demo, none (offered, not required); the demo's seeding, which
-- runs after this script on an empty database, sets the same.
CREATE TABLE mfa_roles (role TEXT NOT NULL PRIMARY KEY, required INTEGER NOT NULL);
INSERT INTO mfa_roles (role, required)
SELECT r.role, NOT EXISTS (SELECT 1 FROM events WHERE action = 'demo_loaded')
FROM (SELECT 'admin' AS role UNION ALL SELECT 'dispatcher' UNION ALL SELECT 'supervisor' UNION ALL SELECT 'handler' UNION ALL SELECT 'leader') AS r;
