-- Duban schema 0048 (SQLite, issue 18): notifications by SMS. A unit's numbers for text messages (its duty mobiles,
-- comma-separated, beside its e-mail address), and the SMS outbox: one row per notification and number, sent through
-- the configured gateway after the notification's transaction has committed, claimed by one node at a time as the
-- e-mail outbox claims its e-mails (state pending / sent / failed; a claim with a lease; a retry time after a failure).
ALTER TABLE units ADD COLUMN sms TEXT NULL;

CREATE TABLE sms_messages (
    id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    notification_id INTEGER NOT NULL REFERENCES notifications(id),
    phone TEXT NOT NULL,
    text TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    claimed_at INTEGER NULL,
    claimed_by TEXT NULL,
    sent_at INTEGER NULL,
    error TEXT NULL
);
CREATE INDEX ix_sms_messages_pending ON sms_messages(created_at) WHERE state = 'pending';
CREATE INDEX ix_sms_messages_notification ON sms_messages(notification_id);
