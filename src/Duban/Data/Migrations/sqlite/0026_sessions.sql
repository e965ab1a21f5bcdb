-- Duban schema 0026 (SQLite): sessions that end (Features/Auth; issue 17).
-- The security stamp: every token and cookie carries the account's stamp, and a request whose token
-- carries another is refused. Logout, a password reset, a deactivation or reactivation and a change of
-- roles or unit give the account a new one. Existing accounts get a random stamp (their old tokens,
-- which carry none, are refused: everyone signs in again once).
ALTER TABLE users ADD COLUMN security_stamp TEXT NOT NULL DEFAULT '';
UPDATE users SET security_stamp = lower(hex(randomblob(16)));
